// A guide's follow-up tasks (others with task.work see everyone's, or one guide's): due today, coming up, overdue,
// finished, each with its script filled in for the customer.
import { Card, Flex, Segmented, Select } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Guide, TaskListQuery } from '../../../src/contracts/relationships.ts';
import { LoadMore } from '../layout/LoadMore.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { useSession } from '../session.tsx';
import { useApiError } from '../useApiError.ts';
import { useCursorList } from '../useCursorList.ts';
import { relationshipsApi } from './api.ts';
import { RelationshipsNav } from './RelationshipsNav.tsx';
import { TaskTable } from './TaskTable.tsx';

type View = 'today' | 'upcoming' | 'overdue' | 'done' | 'all';

const QUERIES: Record<View, TaskListQuery> = {
  today: { due: 'today' },
  upcoming: { due: 'upcoming' },
  overdue: { status: 'overdue' },
  done: { status: 'done' },
  all: {},
};

export default function TasksPage() {
  const { t } = useTranslation();
  const showError = useApiError();
  const { session } = useSession();
  const isGuide = session?.staff.role === 'guide';
  const [view, setView] = useState<View>('today');
  const [guideStaffId, setGuideStaffId] = useState<string | undefined>();
  const [guides, setGuides] = useState<Guide[]>([]);

  useEffect(() => {
    if (!isGuide) relationshipsApi.guides().then((res) => setGuides(res.items), showError);
  }, [isGuide, showError]);

  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      relationshipsApi.tasks({ ...QUERIES[view], ...(guideStaffId ? { guideStaffId } : {}), cursor, limit: 50 }),
    [view, guideStaffId],
  );
  const list = useCursorList(fetchPage, showError);

  return (
    <>
      <PageHeader title={t('relationships.tasks.title')} description={t('relationships.tasks.description')} />
      <Flex vertical gap={16}>
        <RelationshipsNav />
        <Card>
          <Flex gap={12} wrap className="filters">
            <Segmented<View>
              value={view}
              onChange={setView}
              options={(['today', 'upcoming', 'overdue', 'done', 'all'] as const).map((v) => ({
                value: v,
                label: t(`relationships.tasks.views.${v}`),
              }))}
            />
            {!isGuide && (
              <Select
                allowClear
                className="filter-select"
                placeholder={t('relationships.tasks.allGuides')}
                value={guideStaffId}
                onChange={setGuideStaffId}
                options={guides.map((g) => ({ value: g.staffId, label: g.name }))}
              />
            )}
          </Flex>
          <TaskTable
            tasks={list.items}
            loading={list.loading}
            showGuide={!isGuide}
            onChanged={(task) => list.replace((x) => x.id === task.id, task)}
          />
          <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        </Card>
      </Flex>
    </>
  );
}
