// The welcome message a code (or the workspace's default) sends from WeCom's add callback: text with variables filled
// from the customer's profile and the guide, and up to nine attachments (image, link card, mini-program card). The
// byte counter follows WeCom's 4000-byte limit; the preview renders the text on the server as a guide would send it.
// Images and mini-program covers come from the media library by default (WeCom's raw media ids expire in 3 days).
import { DeleteOutlined, EyeOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Dropdown, Flex, Input, Select, Space, Typography } from 'antd';
import type { TextAreaRef } from 'antd/es/input/TextArea';
import { type ReactNode, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { WelcomeAttachment, WelcomeMessage, WelcomePreview } from '../../../src/contracts/acquisition.ts';
import { currentLanguage } from '../i18n.ts';
import { useApiError } from '../useApiError.ts';
import { acquisitionApi } from './api.ts';
import {
  ATTACHMENT_KINDS,
  WELCOME_ATTACHMENTS_MAX,
  WELCOME_TEXT_MAX_BYTES,
  WELCOME_VARIABLE_ALIASES,
  WELCOME_VARIABLE_KEYS,
} from './labels.ts';
import { MediaPicker } from './MediaPicker.tsx';

export const EMPTY_WELCOME: WelcomeMessage = { text: '', attachments: [] };

const encoder = new TextEncoder();
export const byteLength = (text: string) => encoder.encode(text).length;

/** A new attachment of a kind, with its required fields empty for the operator to fill. */
function blank(kind: WelcomeAttachment['kind']): WelcomeAttachment {
  if (kind === 'image') return { kind, assetId: '' };
  if (kind === 'link') return { kind, title: '', url: '' };
  return { kind, title: '', appId: '', page: '', picAssetId: '' };
}

/** Which required field of an attachment is still empty, for the form's validator (null when complete). */
export function missingField(a: WelcomeAttachment): WelcomeAttachment['kind'] | null {
  const required =
    a.kind === 'image'
      ? ['picUrl' in a ? a.picUrl : 'mediaId' in a ? a.mediaId : a.assetId]
      : a.kind === 'link'
        ? [a.title, a.url]
        : [a.title, a.appId, a.page, 'picAssetId' in a ? a.picAssetId : a.picMediaId];
  return required.some((v) => !v.trim()) ? a.kind : null;
}

type ImageSource = 'library' | 'url' | 'media';

export function WelcomeEditor({
  id,
  value = EMPTY_WELCOME,
  onChange,
  staffId,
}: {
  id?: string;
  value?: WelcomeMessage;
  onChange?(next: WelcomeMessage): void;
  /** Preview as this guide would send it. */
  staffId?: string;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const text = useRef<TextAreaRef>(null);
  const [preview, setPreview] = useState<WelcomePreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const bytes = byteLength(value.text);
  const change = (next: Partial<WelcomeMessage>) => onChange?.({ ...value, ...next });

  const insert = (key: (typeof WELCOME_VARIABLE_KEYS)[number]) => {
    const token = `{{${currentLanguage() === 'en' ? key : WELCOME_VARIABLE_ALIASES[key]}}}`;
    const area = text.current?.resizableTextArea?.textArea;
    const at = area ? area.selectionStart : value.text.length;
    const end = area ? area.selectionEnd : value.text.length;
    change({ text: value.text.slice(0, at) + token + value.text.slice(end) });
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(at + token.length, at + token.length);
    });
  };

  const runPreview = async () => {
    setPreviewing(true);
    try {
      setPreview(await acquisitionApi.previewWelcome({ text: value.text, ...(staffId ? { staffId } : {}) }));
    } catch (error) {
      showError(error);
    } finally {
      setPreviewing(false);
    }
  };

  const setAttachment = (index: number, next: WelcomeAttachment) =>
    change({ attachments: value.attachments.map((a, i) => (i === index ? next : a)) });

  return (
    <Flex vertical gap={8}>
      <Flex gap={4} wrap align="center">
        <Typography.Text type="secondary">{t('acquisition.welcome.insert')}</Typography.Text>
        {WELCOME_VARIABLE_KEYS.map((key) => (
          <Button key={key} size="small" onClick={() => insert(key)}>
            {t(`acquisition.welcome.variables.${key}`)}
          </Button>
        ))}
      </Flex>
      <Input.TextArea
        id={id}
        ref={text}
        rows={5}
        value={value.text}
        placeholder={t('acquisition.welcome.placeholder')}
        onChange={(event) => change({ text: event.target.value })}
      />
      <Flex justify="space-between" align="center">
        <Typography.Text type={bytes > WELCOME_TEXT_MAX_BYTES ? 'danger' : 'secondary'} className="small-text">
          {t('acquisition.welcome.bytes', { bytes, max: WELCOME_TEXT_MAX_BYTES })}
        </Typography.Text>
        <Button
          size="small"
          icon={<EyeOutlined />}
          loading={previewing}
          disabled={!value.text.trim()}
          onClick={() => void runPreview()}
        >
          {t('acquisition.welcome.preview')}
        </Button>
      </Flex>
      {preview && (
        <Alert
          type="info"
          closable={{ onClose: () => setPreview(null) }}
          title={<span className="acquisition-welcome-preview">{preview.text}</span>}
          description={
            preview.fallbacks.length > 0
              ? t('acquisition.welcome.fallbacks', {
                  names: preview.fallbacks
                    .map((name) =>
                      (WELCOME_VARIABLE_KEYS as readonly string[]).includes(name)
                        ? t(`acquisition.welcome.variables.${name as (typeof WELCOME_VARIABLE_KEYS)[number]}`)
                        : name,
                    )
                    .join('、'),
                })
              : undefined
          }
        />
      )}
      {value.attachments.map((attachment, index) => (
        <AttachmentCard
          // Attachments have no id of their own; their position is their identity while editing.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={index}
          attachment={attachment}
          onChange={(next) => setAttachment(index, next)}
          onRemove={() => change({ attachments: value.attachments.filter((_, i) => i !== index) })}
        />
      ))}
      <Dropdown
        disabled={value.attachments.length >= WELCOME_ATTACHMENTS_MAX}
        menu={{
          items: ATTACHMENT_KINDS.map((kind) => ({ key: kind, label: t(`acquisition.welcome.kinds.${kind}`) })),
          onClick: ({ key }) =>
            change({ attachments: [...value.attachments, blank(key as WelcomeAttachment['kind'])] }),
        }}
      >
        <Button icon={<PlusOutlined />} className="acquisition-add-attachment">
          {t('acquisition.welcome.addAttachment', {
            count: value.attachments.length,
            max: WELCOME_ATTACHMENTS_MAX,
          })}
        </Button>
      </Dropdown>
    </Flex>
  );
}

function AttachmentCard({
  attachment: a,
  onChange,
  onRemove,
}: {
  attachment: WelcomeAttachment;
  onChange(next: WelcomeAttachment): void;
  onRemove(): void;
}) {
  const { t } = useTranslation();
  const field = (label: string, value: string, set: (v: string) => WelcomeAttachment, placeholder?: string) => (
    <Space.Compact block>
      <Space.Addon className="acquisition-field-label">{label}</Space.Addon>
      <Input
        aria-label={label}
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(set(event.target.value))}
      />
    </Space.Compact>
  );
  const w = 'acquisition.welcome.fields' as const;
  let body: ReactNode;
  if (a.kind === 'image') {
    const source: ImageSource = 'assetId' in a ? 'library' : 'mediaId' in a ? 'media' : 'url';
    body = (
      <Flex vertical gap={8}>
        <Select<ImageSource>
          value={source}
          aria-label={t(`${w}.imageSource`)}
          className="acquisition-image-source"
          options={[
            { value: 'library', label: t(`${w}.library`) },
            { value: 'url', label: t(`${w}.picUrl`) },
            { value: 'media', label: t(`${w}.mediaId`) },
          ]}
          onChange={(next) =>
            onChange(
              next === 'library'
                ? { kind: 'image', assetId: '' }
                : next === 'media'
                  ? { kind: 'image', mediaId: '' }
                  : { kind: 'image', picUrl: '' },
            )
          }
        />
        {'assetId' in a ? (
          <MediaPicker
            label={t(`${w}.library`)}
            value={a.assetId}
            onChange={(assetId) => onChange({ kind: 'image', assetId })}
          />
        ) : 'mediaId' in a ? (
          field(t(`${w}.mediaId`), a.mediaId, (mediaId) => ({ kind: 'image', mediaId }))
        ) : (
          field(t(`${w}.picUrl`), a.picUrl, (picUrl) => ({ kind: 'image', picUrl }), 'https://')
        )}
      </Flex>
    );
  } else if (a.kind === 'link') {
    body = (
      <Flex vertical gap={8}>
        {field(t(`${w}.title`), a.title, (title) => ({ ...a, title }))}
        {field(t(`${w}.url`), a.url, (url) => ({ ...a, url }), 'https://')}
        {field(
          t(`${w}.cover`),
          a.picUrl ?? '',
          (picUrl) => {
            const { picUrl: _dropped, ...rest } = a;
            return picUrl ? { ...rest, picUrl } : rest;
          },
          'https://',
        )}
        {field(t(`${w}.description`), a.description ?? '', (description) => {
          const { description: _dropped, ...rest } = a;
          return description ? { ...rest, description } : rest;
        })}
      </Flex>
    );
  } else {
    const { title, appId, page } = a;
    const card = { kind: a.kind, title, appId, page };
    body = (
      <Flex vertical gap={8}>
        {field(t(`${w}.title`), a.title, (next) => ({ ...a, title: next }))}
        {field(t(`${w}.appId`), a.appId, (next) => ({ ...a, appId: next }), 'wx…')}
        {field(t(`${w}.page`), a.page, (next) => ({ ...a, page: next }), 'pages/index/index')}
        <Flex vertical gap={8}>
          <Select<'library' | 'media'>
            value={'picAssetId' in a ? 'library' : 'media'}
            aria-label={t(`${w}.coverSource`)}
            className="acquisition-image-source"
            options={[
              { value: 'library', label: t(`${w}.library`) },
              { value: 'media', label: t(`${w}.picMediaId`) },
            ]}
            onChange={(next) =>
              onChange(next === 'library' ? { ...card, picAssetId: '' } : { ...card, picMediaId: '' })
            }
          />
          {'picAssetId' in a ? (
            <MediaPicker
              label={t(`${w}.miniprogramCover`)}
              value={a.picAssetId}
              onChange={(picAssetId) => onChange({ ...card, picAssetId })}
            />
          ) : (
            field(t(`${w}.picMediaId`), a.picMediaId, (picMediaId) => ({ ...card, picMediaId }))
          )}
        </Flex>
        {'picMediaId' in a && (
          <Typography.Text type="warning" className="small-text">
            {t(`${w}.picMediaIdExpires`)}
          </Typography.Text>
        )}
      </Flex>
    );
  }
  return (
    <Card
      size="small"
      title={t(`acquisition.welcome.kinds.${a.kind}`)}
      extra={
        <Button
          type="text"
          size="small"
          danger
          icon={<DeleteOutlined />}
          aria-label={t('acquisition.welcome.removeAttachment')}
          onClick={onRemove}
        />
      }
    >
      {body}
    </Card>
  );
}
