// A code's (or a link's) QR code large enough to scan from the screen, its WeCom state and a download. WeCom serves
// the image from its own CDN, where the `download` attribute is ignored (another origin): the browser then opens the
// image in a new tab to save from there.
import { DownloadOutlined } from '@ant-design/icons';
import { Button, Descriptions, Flex, Modal } from 'antd';
import { useTranslation } from 'react-i18next';

export function QrModal({
  name,
  qrCode,
  state,
  configId,
  onClose,
}: {
  name: string;
  qrCode: string;
  state: string;
  configId: string | null;
  onClose(): void;
}) {
  const { t } = useTranslation();
  return (
    <Modal open title={t('acquisition.qr.title', { name })} footer={null} onCancel={onClose} destroyOnHidden>
      <Flex vertical align="center" gap={16}>
        <img src={qrCode} alt={t('acquisition.qr.alt', { name })} className="acquisition-qr-large" />
        <Button
          type="primary"
          icon={<DownloadOutlined />}
          href={qrCode}
          download={`${name}.png`}
          target="_blank"
          rel="noreferrer"
        >
          {t('acquisition.qr.download')}
        </Button>
        <Descriptions
          size="small"
          column={1}
          items={[
            { key: 'state', label: t('acquisition.qr.state'), children: <code>{state}</code> },
            { key: 'configId', label: t('acquisition.qr.configId'), children: configId ?? '—' },
          ]}
        />
      </Flex>
    </Modal>
  );
}
