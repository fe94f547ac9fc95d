// The kinds of identity a customer can carry; plain data with no imports, so the console can use it at runtime too.
export const IDENTITY_KINDS = [
  'phone',
  'email',
  'wecom_external_userid',
  'wechat_unionid',
  'wechat_openid',
  'member_card',
  'pos_customer_id',
  'user_id',
  'anonymous_id',
  'custom',
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
