// Staff sign-in. The workspace field is optional: it only disambiguates a login that exists in several workspaces.
import { LockOutlined, ShopOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import type { LoginBody } from '../../../src/contracts/foundation.ts';
import { ApiError, api } from '../api.ts';
import { LanguageSwitch } from '../layout/LanguageSwitch.tsx';
import { useSession } from '../session.tsx';

interface LoginForm {
  workspace?: string;
  login: string;
  password: string;
}

export function LoginPage() {
  const { t } = useTranslation();
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (session) return <Navigate to={from} replace />;

  const submit = async (values: LoginForm) => {
    const body: LoginBody = { login: values.login.trim(), password: values.password };
    const workspace = values.workspace?.trim();
    if (workspace) body.workspace = workspace;
    setSubmitting(true);
    setError(null);
    try {
      signIn(await api.login(body));
      navigate(from, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : t('common.networkError'));
      setSubmitting(false);
    }
  };

  return (
    <div className="login">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <div className="login-intro">
        <div className="login-mark">{t('app.mark')}</div>
        <Typography.Title level={2} className="login-product">
          {t('app.name')}
        </Typography.Title>
        <Typography.Paragraph className="login-tagline">{t('app.tagline')}</Typography.Paragraph>
      </div>
      <Card className="login-card" title={t('login.title')}>
        {error && <Alert type="error" showIcon title={error} className="login-error" role="alert" />}
        <Form<LoginForm> name="login" layout="vertical" requiredMark={false} onFinish={submit} autoComplete="on">
          <Form.Item name="workspace" label={t('login.workspace')} extra={t('login.workspaceHelp')}>
            <Input
              prefix={<ShopOutlined />}
              placeholder={t('login.workspacePlaceholder')}
              autoComplete="organization"
            />
          </Form.Item>
          <Form.Item
            name="login"
            label={t('login.login')}
            rules={[{ required: true, whitespace: true, message: t('login.loginRequired') }]}
          >
            <Input prefix={<UserOutlined />} placeholder={t('login.loginPlaceholder')} autoComplete="username" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('login.passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={submitting}>
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
