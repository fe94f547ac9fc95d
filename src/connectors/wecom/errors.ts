// WeCom's errcodes as our errors: a stable code for every errcode a Siyu feature can meet, with a message (in the
// locale files) that says what to do; any other errcode becomes `wecom.api_error` with WeCom's own text. Sources:
// WeCom's global error code list (全局错误码) and the external-contact API pages.
import { AppError } from '../../platform/errors.ts';

/** errcode → our code. Several errcodes that mean the same to an operator share one code. */
export const ERRCODES: Readonly<Record<number, string>> = {
  [-1]: 'wecom.busy', // 系统繁忙
  40001: 'wecom.bad_secret', // 不合法的secret参数: corp and secret do not match, the secret was reset, the app is disabled
  40091: 'wecom.bad_secret', // secret不合法: probably another corp's secret
  40013: 'wecom.bad_corp_id', // 不合法的CorpID
  40014: 'wecom.invalid_token', // 不合法的access_token
  41001: 'wecom.invalid_token', // 缺少access_token参数
  42001: 'wecom.token_expired', // access_token已过期
  60020: 'wecom.ip_not_allowed', // 访问ip不在白名单之中
  48002: 'wecom.api_forbidden', // API接口无权限调用: this secret's app was not granted the API
  48006: 'wecom.api_forbidden', // 接口权限被收回
  60011: 'wecom.no_privilege', // 指定的成员/部门/标签参数无权限
  84074: 'wecom.no_external_contact_permission', // 没有外部联系人权限
  60021: 'wecom.user_out_of_scope', // userid不在应用可见范围内
  50002: 'wecom.user_out_of_scope', // 成员不在权限范围
  92000: 'wecom.user_out_of_scope', // 成员不在应用可见范围之内
  610004: 'wecom.user_out_of_scope', // userid不在客户联系配置的使用范围内
  40003: 'wecom.invalid_userid', // 无效的UserID
  46004: 'wecom.invalid_userid', // 指定的用户不存在
  60111: 'wecom.invalid_userid', // UserID不存在
  40096: 'wecom.invalid_external_userid', // 不合法的外部联系人userid
  84061: 'wecom.no_relationship', // 不存在外部联系人的关系
  41044: 'wecom.invalid_config_id', // 无效的「联系我」config_id参数
  41045: 'wecom.contact_way_limit', // API添加「联系我」达到数量上限
  84025: 'wecom.invalid_state', // 不符合的state参数
  41050: 'wecom.welcome_code_expired', // 无效的欢迎语code: valid 20 seconds after the add, once
  41051: 'wecom.already_chatting', // 客户和服务人员已经开始聊天了
  41048: 'wecom.no_recipients', // 无可发送的客户
  41047: 'wecom.invalid_msg_id', // 无效的企业群发消息id
  40068: 'wecom.invalid_tag', // 不合法的标签/标签组ID
  40071: 'wecom.tag_name_taken', // 标签名字已经存在
  40126: 'wecom.tag_limit', // 企业标签个数达到上限 (3000)
  40097: 'wecom.user_not_resigned', // 该成员尚未离职
  40098: 'wecom.user_not_verified', // 成员尚未实名认证
  40099: 'wecom.takeover_limit', // 接替成员的外部联系人数量已达上限
  40100: 'wecom.transfer_in_progress', // 此用户的外部联系人已经在转移流程中
  40129: 'wecom.transfer_in_progress', // 当前客户正在转接中
  40128: 'wecom.transfer_too_frequent', // 客户转接过于频繁
  40130: 'wecom.transfer_same_user', // 原跟进人与接手人一样
  40131: 'wecom.not_follow_user', // handover_userid 并不是外部联系人的跟进人
  40050: 'wecom.invalid_chat_id', // chatid不存在
  86001: 'wecom.invalid_chat_id', // 参数 chatid 不合法
  86003: 'wecom.invalid_chat_id', // 参数 chatid 不存在
  40004: 'wecom.invalid_media_file', // 不合法的媒体文件类型: image media must be jpg or png
  40005: 'wecom.invalid_media_type', // 不合法的type参数 (image, voice, video, file)
  40006: 'wecom.invalid_media_size', // 不合法的文件大小
  40009: 'wecom.invalid_media_size', // 上传图片大小不是有效值 (5 B to 10 MB; 2 MB for uploadimg)
  40011: 'wecom.invalid_media_size', // 上传视频大小不是有效值
  44001: 'wecom.empty_media', // 多媒体文件为空
  40007: 'wecom.invalid_media_id', // 不合法的media_id参数: unknown, or temporary media older than 3 days
  45009: 'wecom.rate_limited', // 接口调用超过限制
  45033: 'wecom.rate_limited', // 接口并发调用超过限制
};

/** Errcodes that mean the access token is no longer good: fetch a new one and try once more. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 41001, 42001]);

/**
 * The error of a WeCom answer with a non-zero errcode. Status 502: the request was fine, WeCom (or the settings it
 * was made with) refused it. Details keep WeCom's errcode and errmsg for the log and the console.
 */
export class WeComApiError extends AppError {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
  ) {
    super(502, ERRCODES[errcode] ?? 'wecom.api_error', { errcode, errmsg }, { errcode, errmsg, api });
    this.name = 'WeComApiError';
  }
}

/** WeCom could not be reached (or answered something other than its JSON) after the allowed retries. */
export const networkError = (api: string, reason: string) =>
  new AppError(502, 'wecom.network_error', { api, reason }, { api, reason });

export const timeoutError = (api: string, ms: number) => new AppError(504, 'wecom.timeout', { api, ms }, { api, ms });
