// Text tools for group messages: evening out the ways people type around filters (full-width letters, case, spaces
// and symbols between characters), many-keyword matching in one pass (Aho-Corasick over code points, so Chinese,
// emoji and Latin text are all one alphabet), links found in text, and a small lexicon sentiment score.
import { NEGATIVE_WORDS, POSITIVE_WORDS } from './lexicon.ts';

/** Separators, punctuation, symbols and invisible characters: what spammers put between the characters of a word. */
const FILLER = /[\p{Z}\p{P}\p{S}\p{C}]/gu;

/** Text as the sensitive-word matcher reads it: NFKC (full-width → half-width), lower case, fillers dropped. */
export function matchForm(text: string): string[] {
  return Array.from(text.normalize('NFKC').toLowerCase().replace(FILLER, ''));
}

export interface Match {
  /** Index of the word in the matcher's list. */
  word: number;
  /** Code-point offsets in the scanned text, end exclusive. */
  start: number;
  end: number;
}

/**
 * Aho-Corasick automaton over code points: finds every occurrence of every word in one pass over the text,
 * however many words there are (a moderation list has thousands). Words are given in the form they are
 * matched in (see `matchForm`).
 */
export class KeywordMatcher {
  private readonly goto: Map<string, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Words ending at each state, its own and those reached through its failure links. */
  private readonly output: number[][] = [[]];
  private readonly lengths: number[];

  constructor(words: readonly (readonly string[])[]) {
    this.lengths = words.map((w) => w.length);
    words.forEach((word, index) => {
      if (word.length === 0) return;
      let state = 0;
      for (const ch of word) {
        const next = this.goto[state]?.get(ch);
        if (next !== undefined) {
          state = next;
          continue;
        }
        this.goto.push(new Map());
        this.fail.push(0);
        this.output.push([]);
        const created = this.goto.length - 1;
        this.goto[state]?.set(ch, created);
        state = created;
      }
      this.output[state]?.push(index);
    });
    // Breadth first, so a state's failure target (a shorter suffix) is complete before the state itself.
    const queue: number[] = [...(this.goto[0]?.values() ?? [])];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      for (const [ch, child] of this.goto[state] ?? []) {
        queue.push(child);
        let f = this.fail[state] as number;
        while (f !== 0 && !this.goto[f]?.has(ch)) f = this.fail[f] as number;
        const target = this.goto[f]?.get(ch);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        this.output[child]?.push(...(this.output[this.fail[child] as number] ?? []));
      }
    }
  }

  /** Every occurrence, in the order their ends are reached. */
  scan(chars: readonly string[]): Match[] {
    const found: Match[] = [];
    let state = 0;
    chars.forEach((ch, i) => {
      while (state !== 0 && !this.goto[state]?.has(ch)) state = this.fail[state] as number;
      state = this.goto[state]?.get(ch) ?? 0;
      for (const word of this.output[state] ?? []) {
        found.push({ word, start: i + 1 - (this.lengths[word] as number), end: i + 1 });
      }
    });
    return found;
  }
}

/** The longest matches that do not overlap, leftmost first (太好了 wins over the 好 inside it). */
export function longestMatches(matches: readonly Match[]): Match[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const kept: Match[] = [];
  let reach = 0;
  for (const m of sorted) {
    if (m.start < reach) continue;
    kept.push(m);
    reach = m.end;
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------------------------
// Links.

/** Top-level domains seen in spam without a scheme or www ("加我领券 abc.top"): common ones and the cheap ones. */
const BARE_TLDS = 'com|cn|net|org|top|xyz|vip|cc|co|io|me|info|shop|site|link|club|tk|ly|ink|wang|live|fun|icu|app';
const URL_RE = new RegExp(
  `(?:https?://[^\\s/?#<>"'，。、]+|www\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+|(?<![a-z0-9.@-])[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:${BARE_TLDS})(?![a-z0-9-]))`,
  'gi',
);

/** The hosts of the links in a text (lower case, without port), in order of appearance, each once. */
export function linkHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const found of text.normalize('NFKC').matchAll(URL_RE)) {
    const host = found[0]
      .replace(/^https?:\/\//i, '')
      .replace(/:\d+$/, '')
      .replace(/\.$/, '')
      .toLowerCase();
    if (host && !hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

/** The host of one URL, or null when it is not one. */
export function hostOf(url: string): string | null {
  try {
    return new URL(url.normalize('NFKC')).hostname.toLowerCase() || null;
  } catch {
    return linkHosts(url)[0] ?? null;
  }
}

/** Whether a host is one of the allowed domains or under one of them (m.example.com under example.com). */
export function allowedHost(host: string, allowDomains: readonly string[]): boolean {
  return allowDomains.some((d) => {
    const domain = d.toLowerCase().replace(/^\.+/, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sentiment.

/** Words that turn the next opinion word around (不好, 没问题) and words that strengthen it (很好, 太贵). */
const NEGATORS = ['不', '没', '没有', '别', '无', '未', '毫无', '并不', '从不', '不是', '不太', '不怎么'];
const DEGREES = ['很', '非常', '太', '超', '超级', '特别', '十分', '真', '好', '巨', '相当', '极其', '最', '挺'];
const CLAUSE_END = /[，。！？!?,.;；~～\s]/u;

const lexicon = [...POSITIVE_WORDS.map((w) => ({ w, p: 1 })), ...NEGATIVE_WORDS.map((w) => ({ w, p: -1 }))];
const opinionMatcher = new KeywordMatcher(lexicon.map((e) => Array.from(e.w)));
const cueMatcher = new KeywordMatcher([...NEGATORS, ...DEGREES].map((w) => Array.from(w)));

/**
 * Lexicon sentiment of a message, from −5 to 5: each opinion word counts +1 or −1, doubled after a degree word
 * (很, 太 …) and turned around after a negator (不, 没 …) within the three characters before it in the same
 * clause. Longest words win (太好了 over 好; 不错 is one positive word). Meant for ranking members by the tone of
 * many messages (KOC discovery), not for judging one message.
 */
export function sentiment(text: string): number {
  const chars = Array.from(text.normalize('NFKC').toLowerCase());
  let score = 0;
  for (const m of longestMatches(opinionMatcher.scan(chars))) {
    let from = m.start;
    while (from > 0 && m.start - from < 3 && !CLAUSE_END.test(chars[from - 1] as string)) from--;
    const cues = longestMatches(cueMatcher.scan(chars.slice(from, m.start)));
    const negated = cues.filter((c) => c.word < NEGATORS.length).length % 2 === 1;
    const strong = cues.some((c) => c.word >= NEGATORS.length);
    const polarity = (lexicon[m.word]?.p ?? 0) * (negated ? -1 : 1);
    score += polarity * (strong ? 2 : 1);
  }
  return Math.max(-5, Math.min(5, score));
}
