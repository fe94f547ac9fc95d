// Link visits by kind of user agent: WeChat and WeCom's in-app browsers told apart from phones and desktops, and
// link previews and scripts recognised as bots, which the click and visitor counts leave out.
import { expect, test } from 'vitest';
import { uaKindOf } from './links.ts';

test('user agents are sorted into WeChat, WeCom, mobile, desktop, bot and other', () => {
  const iphoneWechat =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN';
  const wecom =
    'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0 Mobile Safari/537.36 wxwork/4.1.16 MicroMessenger/7.0.1';
  expect(uaKindOf(iphoneWechat)).toBe('wechat');
  expect(uaKindOf(wecom)).toBe('wecom');
  expect(uaKindOf('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36')).toBe(
    'mobile',
  );
  expect(uaKindOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36')).toBe(
    'desktop',
  );
  expect(uaKindOf('Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)')).toBe('bot');
  expect(uaKindOf('curl/8.5.0')).toBe('bot');
  expect(uaKindOf('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) HeadlessChrome/120')).toBe('bot');
  expect(uaKindOf(undefined)).toBe('other');
  expect(uaKindOf('SomethingElse/1.0')).toBe('other');
});
