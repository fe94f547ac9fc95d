// An image of the media library (素材库) for a welcome attachment or a mini-program cover: upload one (JPG/PNG, at
// most 10 MB, checked again by the server from the bytes) or pick one uploaded before, with a thumbnail. Siyu keeps
// WeCom's 3-day media id for it fresh, so the card never breaks after three days.
import { PictureOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Flex, Image, Progress, Select, Typography, Upload } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MediaAsset } from '../../../src/contracts/wecom.ts';
import { api } from '../api.ts';
import { useApiError } from '../useApiError.ts';

const MAX_BYTES = 10 * 1024 * 1024;
const ACCEPT = 'image/jpeg,image/png';

export function MediaPicker({
  value,
  onChange,
  label,
}: {
  /** The asset id; '' while none is chosen. */
  value: string;
  onChange(assetId: string): void;
  label: string;
}) {
  const { t } = useTranslation();
  const showError = useApiError();
  const { message } = App.useApp();
  const [assets, setAssets] = useState<MediaAsset[]>([]);
  const [loading, setLoading] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);

  const load = async () => {
    setLoading(true);
    try {
      setAssets((await api.listMedia({ limit: 100 })).items);
    } catch (error) {
      showError(error);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the library is read once per picker
  useEffect(() => {
    void load();
  }, []);

  const upload = async (file: File) => {
    if (file.size > MAX_BYTES) {
      void message.error(t('acquisition.media.tooLarge'));
      return;
    }
    setProgress(0);
    try {
      const asset = await api.uploadMedia(file, setProgress);
      setAssets((list) => [asset, ...list.filter((a) => a.id !== asset.id)]);
      onChange(asset.id);
    } catch (error) {
      showError(error);
    } finally {
      setProgress(null);
    }
  };

  return (
    <Flex gap={12} align="center" className="acquisition-media-picker">
      <div className="acquisition-media-thumb">
        {value ? (
          <Image src={api.mediaContentUrl(value)} alt={label} width={72} height={72} style={{ objectFit: 'cover' }} />
        ) : (
          <PictureOutlined aria-hidden />
        )}
      </div>
      <Flex vertical gap={6} flex={1}>
        <Select
          aria-label={label}
          value={value || undefined}
          placeholder={t('acquisition.media.pick')}
          loading={loading}
          showSearch
          optionFilterProp="label"
          options={assets.map((a) => ({ value: a.id, label: a.name }))}
          onChange={(id) => onChange(id)}
          notFoundContent={t('acquisition.media.empty')}
        />
        <Flex gap={8} align="center">
          <Upload accept={ACCEPT} showUploadList={false} customRequest={({ file }) => void upload(file as File)}>
            <Button size="small" icon={<UploadOutlined />} loading={progress !== null}>
              {t('acquisition.media.upload')}
            </Button>
          </Upload>
          {progress !== null ? (
            <Progress percent={progress} size="small" className="acquisition-media-progress" />
          ) : (
            <Typography.Text type="secondary" className="small-text">
              {t('acquisition.media.hint')}
            </Typography.Text>
          )}
        </Flex>
      </Flex>
    </Flex>
  );
}
