// The text tools: Aho-Corasick finds exactly what a naive search finds (random word lists and texts, fixed seed),
// the sensitive-word form sees through spacing and full-width tricks, links are found with or without a scheme,
// and the lexicon sentiment handles negation, degree and longest words.
import { expect, test } from 'vitest';
import { seededRandom } from '../../demo/random.ts';
import { allowedHost, hostOf, KeywordMatcher, linkHosts, longestMatches, matchForm, sentiment } from './text.ts';

test('the automaton finds every occurrence a naive search finds, on random words and texts', () => {
  const random = seededRandom(20261130);
  const alphabet = ['微', '信', '加', '群', 'a', 'b', '😀', '代', '购'];
  const pick = (n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)] as string);
  for (let round = 0; round < 300; round++) {
    const words = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(1 + Math.floor(random() * 4)));
    const text = pick(Math.floor(random() * 60));
    const found = new KeywordMatcher(words)
      .scan(text)
      .map((m) => `${m.word}@${m.start}`)
      .sort();
    const naive: string[] = [];
    words.forEach((w, i) => {
      for (let s = 0; s + w.length <= text.length; s++) {
        if (w.every((ch, k) => text[s + k] === ch)) naive.push(`${i}@${s}`);
      }
    });
    expect(found, `words ${JSON.stringify(words)} text ${text.join('')}`).toEqual(naive.sort());
  }
});

test('sensitive words are matched through spacing, symbols, width and case', () => {
  const words = ['加微信', 'VX', '代购'];
  const matcher = new KeywordMatcher(words.map(matchForm));
  const hits = (text: string) => [...new Set(matcher.scan(matchForm(text)).map((m) => words[m.word]))];
  expect(hits('加 微 信 领福利')).toEqual(['加微信']);
  expect(hits('加*微*信')).toEqual(['加微信']);
  expect(hits('ｖｘ：abc123')).toEqual(['VX']);
  expect(hits('专业代-购，加V.X')).toEqual(['代购', 'VX']);
  expect(hits('今天天气不错')).toEqual([]);
});

test('links are found with a scheme, with www, or as a bare domain; allowed domains cover their subdomains', () => {
  expect(linkHosts('看这里 https://Shop.Example.com/a?b=1 和 http://t.cn/abc')).toEqual(['shop.example.com', 't.cn']);
  expect(linkHosts('领券 www.quan-ba.com 速来')).toEqual(['www.quan-ba.com']);
  expect(linkHosts('加我 spam123.top 有惊喜')).toEqual(['spam123.top']);
  // Full-width letters and punctuation are read as what they stand for.
  expect(linkHosts('ｈｔｔｐｓ：//ｅｖｉｌ．ｃｎ')).toEqual(['evil.cn']);
  expect(linkHosts('https://ｅｖｉｌ．ｃｎ/x')).toEqual(['evil.cn']);
  expect(linkHosts('邮箱 a@b.com 不是链接，版本 1.2.3 也不是')).toEqual([]);
  expect(hostOf('https://mp.weixin.qq.com/s/abc')).toBe('mp.weixin.qq.com');
  expect(allowedHost('mp.weixin.qq.com', ['qq.com'])).toBe(true);
  expect(allowedHost('notqq.com', ['qq.com'])).toBe(false);
  expect(allowedHost('qq.com.evil.cn', ['qq.com'])).toBe(false);
});

test('sentiment: opinion words, negation, degree and longest words', () => {
  expect(sentiment('这款奶茶好喝')).toBeGreaterThan(0);
  expect(sentiment('不好喝')).toBeLessThan(0);
  expect(sentiment('没问题，谢谢')).toBeGreaterThan(0);
  expect(sentiment('太贵了')).toBe(-1);
  expect(sentiment('非常贵')).toBe(-2);
  expect(sentiment('非常满意👍')).toBe(3);
  expect(sentiment('不错')).toBe(1);
  expect(sentiment('收到')).toBe(0);
  expect(sentiment('难喝，失望，退款，差评，垃圾，坑人')).toBe(-5);
});

test('longest matches win and do not overlap', () => {
  const matches = [
    { word: 0, start: 0, end: 1 },
    { word: 1, start: 0, end: 3 },
    { word: 2, start: 2, end: 4 },
    { word: 3, start: 3, end: 5 },
  ];
  expect(longestMatches(matches).map((m) => m.word)).toEqual([1, 3]);
});
