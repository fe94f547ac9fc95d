// "Load more" under a cursor-paginated table; hidden once the server reports no further page.
import { Button, Flex } from 'antd';
import { useTranslation } from 'react-i18next';

export function LoadMore({ hasMore, loading, onClick }: { hasMore: boolean; loading: boolean; onClick(): void }) {
  const { t } = useTranslation();
  if (!hasMore) return null;
  return (
    <Flex justify="center" className="load-more">
      <Button onClick={onClick} loading={loading}>
        {t('common.loadMore')}
      </Button>
    </Flex>
  );
}
