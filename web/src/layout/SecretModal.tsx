// Shows a secret the server returns exactly once (a generated password, an API key) with a copy button. Closing
// needs an explicit click so a stray tap on the mask cannot lose it.
import { CopyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Input, Modal } from 'antd';
import { useTranslation } from 'react-i18next';

interface SecretModalProps {
  title: string;
  warning: string;
  label: string;
  secret: string | null;
  onClose(): void;
}

export function SecretModal({ title, warning, label, secret, onClose }: SecretModalProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();

  const copy = async () => {
    if (!secret) return;
    try {
      // navigator.clipboard is missing on plain-http origins; the field below stays selectable for a manual copy.
      await navigator.clipboard.writeText(secret);
      void message.success(t('common.copied'));
    } catch {
      void message.warning(t('common.copyFailed'));
    }
  };

  return (
    <Modal
      open={secret !== null}
      title={title}
      onCancel={onClose}
      mask={{ closable: false }}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('common.savedIt')}
        </Button>
      }
    >
      <Flex vertical gap={16}>
        <Alert type="warning" showIcon title={warning} />
        <Flex gap={8}>
          <Input
            readOnly
            value={secret ?? ''}
            aria-label={label}
            className="secret-value"
            onFocus={(event) => event.currentTarget.select()}
          />
          <Button icon={<CopyOutlined />} onClick={() => void copy()}>
            {t('common.copy')}
          </Button>
        </Flex>
      </Flex>
    </Modal>
  );
}
