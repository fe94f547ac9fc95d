// Placeholder for modules whose pages are not built yet: says what the module will do instead of a blank screen.
import { Button, Card, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { type ModuleKey, upcomingModules } from '../modules.tsx';

export function ComingSoonPage({ module }: { module: ModuleKey }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const icon = upcomingModules.find((entry) => entry.key === module)?.icon;
  return (
    <Card>
      <Result
        icon={<span className="coming-soon-icon">{icon}</span>}
        title={t('comingSoon.title', { module: t(`nav.${module}`) })}
        subTitle={t(`comingSoon.modules.${module}`)}
        extra={
          <Button type="primary" onClick={() => navigate('/')}>
            {t('comingSoon.back')}
          </Button>
        }
      />
    </Card>
  );
}
