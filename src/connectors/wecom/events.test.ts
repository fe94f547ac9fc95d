// WeCom's callback XML as WeCom's documentation shows it, read into domain events; what the connector does not
// handle is left alone, what lacks a required field is refused, and retries of one callback share one key.
import { expect, test } from 'vitest';
import { dedupKey, IncompleteEvent, toDomainEvent } from './events.ts';
import { buildXml, parseXml } from './xml.ts';

const event = (xml: string) => toDomainEvent(parseXml(xml), '7');

test('a customer adding a guide through a channel code carries its state and welcome code', () => {
  const xml = `<xml>
    <ToUserName><![CDATA[ww1234]]></ToUserName>
    <FromUserName><![CDATA[sys]]></FromUserName>
    <CreateTime>1403610513</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[change_external_contact]]></Event>
    <ChangeType><![CDATA[add_external_contact]]></ChangeType>
    <UserID><![CDATA[zhangsan]]></UserID>
    <ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID>
    <State><![CDATA[teststate]]></State>
    <WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>
  </xml>`;
  expect(event(xml)).toEqual({
    type: 'wecom.contact_added',
    payload: {
      corpId: 'ww1234',
      occurredAt: '2014-06-24T11:48:33.000Z',
      inboxId: '7',
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA',
      state: 'teststate',
      welcomeCode: 'WELCOMECODE',
    },
  });
});

const base = { ToUserName: 'ww1234', FromUserName: 'sys', CreateTime: 1403610513, MsgType: 'event' };
const contact = (change: string, extra: Record<string, string> = {}) =>
  buildXml({
    ...base,
    Event: 'change_external_contact',
    ChangeType: change,
    UserID: 'zhangsan',
    ExternalUserID: 'wmX',
    ...extra,
  });

test('each external-contact change has its own event, a transfer’s removal marked as such', () => {
  expect(event(contact('add_half_external_contact', { WelcomeCode: 'W' }))).toMatchObject({
    type: 'wecom.contact_half_added',
    payload: { state: null, welcomeCode: 'W' },
  });
  expect(event(contact('edit_external_contact'))?.type).toBe('wecom.contact_edited');
  expect(event(contact('del_follow_user'))?.type).toBe('wecom.contact_deleted');
  expect(event(contact('del_external_contact'))).toMatchObject({
    type: 'wecom.contact_removed_by_guide',
    payload: { source: null, byTransfer: false },
  });
  expect(event(contact('del_external_contact', { Source: 'DELETE_BY_TRANSFER' }))).toMatchObject({
    payload: { source: 'DELETE_BY_TRANSFER', byTransfer: true },
  });
  expect(event(contact('transfer_fail', { FailReason: 'customer_limit_exceed' }))).toMatchObject({
    type: 'wecom.transfer_failed',
    payload: { failReason: 'customer_limit_exceed' },
  });
});

test('group changes read members from <Item> lists or a comma-separated list', () => {
  const update = (members: string) =>
    event(
      `<xml><ToUserName>ww1234</ToUserName><CreateTime>1403610513</CreateTime><MsgType>event</MsgType>` +
        `<Event>change_external_chat</Event><ChatId>wrChat</ChatId><ChangeType>update</ChangeType>` +
        `<UpdateDetail>add_member</UpdateDetail><JoinScene>1</JoinScene><QuitScene>0</QuitScene>` +
        `<MemChangeCnt>2</MemChangeCnt>${members}<LastMemVer>9c3f</LastMemVer><CurMemVer>7121</CurMemVer></xml>`,
    );
  const expected = {
    type: 'wecom.chat_updated',
    payload: {
      chatId: 'wrChat',
      updateDetail: 'add_member',
      joinScene: 1,
      quitScene: 0,
      memberChangeCount: 2,
      memberIds: ['Jack', 'Rose'],
      lastMemberVersion: '9c3f',
      currentMemberVersion: '7121',
    },
  };
  expect(update('<MemChangeList><Item>Jack</Item><Item><![CDATA[Rose]]></Item></MemChangeList>')).toMatchObject(
    expected,
  );
  expect(update('<MemChangeList><![CDATA[Jack,Rose]]></MemChangeList>')).toMatchObject(expected);
  const chat = (change: string) =>
    event(buildXml({ ...base, Event: 'change_external_chat', ChatId: 'wrChat', ChangeType: change }));
  expect(chat('create')?.type).toBe('wecom.chat_created');
  expect(chat('dismiss')?.type).toBe('wecom.chat_dismissed');
});

test('tag changes keep the id, its kind and the rule group', () => {
  const tag = (fields: Record<string, string>) => event(buildXml({ ...base, Event: 'change_external_tag', ...fields }));
  expect(tag({ Id: 'etTag', TagType: 'tag', ChangeType: 'delete', StrategyId: '1' })).toMatchObject({
    type: 'wecom.tag_changed',
    payload: { changeType: 'delete', tagId: 'etTag', tagType: 'tag', strategyId: '1' },
  });
  expect(tag({ Id: 'etGroup', ChangeType: 'shuffle' })).toMatchObject({
    payload: { changeType: 'shuffle', tagId: 'etGroup', tagType: null },
  });
  expect(() => tag({ Id: 'etTag', TagType: 'label', ChangeType: 'create' })).toThrow(IncompleteEvent);
});

test('callbacks the connector does not handle are left alone; incomplete ones are refused', () => {
  expect(event(buildXml({ ...base, Event: 'change_contact', ChangeType: 'create_user', UserID: 'x' }))).toBeNull();
  expect(event(buildXml({ ...base, MsgType: 'text', Content: 'hi' }))).toBeNull();
  expect(event(contact('some_future_change'))).toBeNull();
  expect(() => event(buildXml({ ...base, Event: 'change_external_contact', ChangeType: 'del_follow_user' }))).toThrow(
    /has no UserID/,
  );
  const { CreateTime: _none, ...withoutTime } = base;
  expect(() =>
    event(buildXml({ ...withoutTime, Event: 'change_external_chat', ChatId: 'c', ChangeType: 'create' })),
  ).toThrow(/has no CreateTime/);
});

test('a retry of a callback has the key of the first delivery; another change has another', () => {
  const first = parseXml(contact('del_follow_user'));
  const retry = parseXml(contact('del_follow_user').replaceAll('><', '>\n  <'));
  expect(dedupKey(retry)).toBe(dedupKey(first));
  expect(dedupKey(first)).toMatch(/^change_external_contact:del_follow_user:[0-9a-f]{64}$/);
  expect(dedupKey(parseXml(contact('del_follow_user', { CreateTime: '1403610514' })))).not.toBe(dedupKey(first));
  expect(dedupKey(parseXml(contact('del_external_contact')))).not.toBe(dedupKey(first));
});

test('malformed XML, DOCTYPEs and nested fields are refused as malformed', () => {
  for (const bad of [
    '',
    'not xml',
    '<xml><a>1</xml>',
    '<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>',
    '<xml><a><b>1</b></a></xml>',
    '<xml><a>1</a><a>2</a></xml>',
    '<notxml><a>1</a></notxml>',
  ]) {
    expect(() => parseXml(bad), bad).toThrow(expect.objectContaining({ code: 'wecom.malformed_xml' }));
  }
  expect(parseXml('<xml><Content><![CDATA[a ]]]]><![CDATA[> b]]></Content></xml>')).toEqual({ Content: 'a ]]> b' });
  expect(parseXml(buildXml({ Content: 'x]]>y & <z>' }))).toEqual({ Content: 'x]]>y & <z>' });
  expect(parseXml('<xml><UserID>0012</UserID><MsgId>4561255354251345929</MsgId></xml>')).toEqual({
    UserID: '0012',
    MsgId: '4561255354251345929',
  });
});
