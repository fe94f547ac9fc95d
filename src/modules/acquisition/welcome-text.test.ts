// Welcome texts as operators type them: Chinese variable names are the script library's variables, unknown ones are
// refused on save, and a rendered text longer than WeCom's 4,000 bytes is cut on a character boundary.
import { expect, test } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { checkWelcome, clipToBytes, normalizeWelcomeText } from './welcome.ts';

test('Chinese variable names become the script library’s, fallbacks kept, other braces left alone', () => {
  expect(normalizeWelcomeText('{{客户昵称|朋友}}你好，我是{{ 导购名 }}，{{品牌}}欢迎你')).toBe(
    '{{name|朋友}}你好，我是{{guide}}，{{brand}}欢迎你',
  );
  expect(normalizeWelcomeText('{{name}} {{未知}} {单括号}')).toBe('{{name}} {{未知}} {单括号}');
});

test('a welcome text with a variable nobody fills, or over WeCom’s bytes, or empty, is refused', () => {
  const codeOf = (text: string, attachments = 0) => {
    try {
      checkWelcome({
        text,
        attachments: Array.from({ length: attachments }, () => ({ kind: 'image', picUrl: 'https://x.example/a.png' })),
      });
      return null;
    } catch (err) {
      return err instanceof AppError ? err.code : String(err);
    }
  };
  expect(codeOf('你好{{客户昵称}}，我是{{导购名}}')).toBeNull();
  expect(codeOf('你好{{未知}}')).toBe('acquisition.unknown_variables');
  expect(codeOf('a'.repeat(4000))).toBeNull();
  expect(codeOf('欢'.repeat(1334))).toBe('acquisition.welcome_too_long');
  expect(codeOf('')).toBe('acquisition.welcome_empty');
  expect(codeOf('', 1)).toBeNull();
});

test('a rendered text is cut to the byte limit without splitting a character', () => {
  expect(clipToBytes('欢迎光临', 7)).toBe('欢迎');
  expect(clipToBytes('ok', 7)).toBe('ok');
  expect(Buffer.byteLength(clipToBytes('😀'.repeat(1001), 4000))).toBe(4000);
});
