// The customer 360's panel of guides: every relationship the customer has had with a guide in WeCom, active first,
// with the channel code it came through and the guide's remark and tags.
import { Card } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Relationship } from '../../../src/contracts/relationships.ts';
import { useApiError } from '../useApiError.ts';
import { relationshipsApi } from './api.ts';
import { RelationshipTable } from './GuidesPage.tsx';

export function RelationshipsPanel({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const showError = useApiError();
  const [items, setItems] = useState<Relationship[] | null>(null);
  useEffect(() => {
    relationshipsApi.customerRelationships(customerId).then((res) => setItems(res.items), showError);
  }, [customerId, showError]);
  return (
    <Card title={t('relationships.panel.title')} size="small" data-testid="customer-relationships">
      <RelationshipTable items={items ?? []} loading={items === null} />
    </Card>
  );
}
