// The flat XML WeCom speaks: `<xml>` with one element per field, text or CDATA, and lists as repeated <Item>.
// Parsing refuses anything that is not well-formed or that declares a DOCTYPE (no entity expansion from outside).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError } from '../../platform/errors.ts';

/** A parsed message: each field's text, or the texts of its <Item> children for list fields (MemChangeList). */
export type XmlFields = Record<string, string | string[]>;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Ids such as a UserID "0012" or a 19-digit MsgId must stay text, not become numbers.
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'Item',
});

const malformed = () => new AppError(400, 'wecom.malformed_xml');

/** Reads `<xml>…</xml>` into its fields; nested elements other than <Item> lists are refused as malformed. */
export function parseXml(text: string): XmlFields {
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) throw malformed();
  const doc = parser.parse(text) as Record<string, unknown>;
  const root = doc.xml;
  if (root === undefined || root === null) throw malformed();
  if (typeof root !== 'object') return {};
  const fields: XmlFields = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    if (typeof value === 'string') fields[name] = value;
    else if (value && typeof value === 'object' && Array.isArray((value as { Item?: unknown }).Item)) {
      fields[name] = ((value as { Item: unknown[] }).Item ?? []).map((item) => String(item));
    } else if (Array.isArray(value)) {
      // A field repeated at the top level: WeCom never sends one, and guessing which copy counts would be unsafe.
      throw malformed();
    } else throw malformed();
  }
  return fields;
}

/** One field as text (the first item of a list), or null when absent or empty. */
export function text(fields: XmlFields, name: string): string | null {
  const value = fields[name];
  if (value === undefined) return null;
  const first = Array.isArray(value) ? (value[0] ?? '') : value;
  return first === '' ? null : first;
}

/** One field as a list: <Item> children, or (as some WeCom payloads have it) one comma-separated text. */
export function list(fields: XmlFields, name: string): string[] {
  const value = fields[name];
  if (value === undefined || value === '') return [];
  if (Array.isArray(value)) return value.filter((v) => v !== '');
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** CDATA that survives any content: a `]]>` inside is split across two sections. */
const cdata = (value: string) => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/**
 * Writes fields as WeCom does: text in CDATA, numbers bare, string lists as <Item>s. Field order is kept, since
 * WeCom's samples list ToUserName first and some receivers read it positionally.
 */
export function buildXml(fields: Record<string, string | number | readonly string[] | null | undefined>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') parts.push(`<${name}>${value}</${name}>`);
    else if (typeof value === 'string') parts.push(`<${name}>${cdata(value)}</${name}>`);
    else parts.push(`<${name}>${value.map((item) => `<Item>${cdata(item)}</Item>`).join('')}</${name}>`);
  }
  return `<xml>${parts.join('')}</xml>`;
}
