// Turns a failed API call into a toast with the server's own message; 401s are left to the session guard.
import { App } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api.ts';

export function useApiError(): (error: unknown) => void {
  const { message } = App.useApp();
  const { t } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError) {
        if (error.status !== 401) void message.error(error.message);
        return;
      }
      void message.error(t('common.networkError'));
    },
    [message, t],
  );
}
