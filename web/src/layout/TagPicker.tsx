// A tag select grouped by tag group, used by the customer 360 page and the segment builder.
import { Tag as AntTag, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TagGroup } from '../../../src/contracts/tags.ts';

interface TagPickerProps {
  groups: TagGroup[];
  loading?: boolean;
  value?: string | string[];
  onChange(value: string | string[] | undefined): void;
  multiple?: boolean;
  /** Tags the customer already has, left out of the choices. */
  exclude?: ReadonlySet<string>;
  disabled?: boolean;
  status?: 'error';
  className?: string;
  ariaLabel?: string;
}

export function TagPicker(props: TagPickerProps) {
  const { t } = useTranslation();
  const options = props.groups
    .map((group) => ({
      label: group.name,
      title: group.name,
      options: group.tags
        .filter((tag) => !props.exclude?.has(tag.id))
        .map((tag) => ({
          value: tag.id,
          label: tag.name,
          title: tag.name,
          search: `${group.name} ${tag.name}`,
        })),
    }))
    .filter((group) => group.options.length > 0);
  return (
    <Select
      showSearch={{ optionFilterProp: 'search' }}
      allowClear
      mode={props.multiple ? 'multiple' : undefined}
      value={props.value}
      onChange={(value) => props.onChange(value ?? undefined)}
      options={options}
      loading={props.loading}
      disabled={props.disabled}
      status={props.status}
      placeholder={t('tags.pick')}
      aria-label={props.ariaLabel ?? t('tags.pick')}
      className={props.className}
      popupMatchSelectWidth={false}
      tagRender={({ label, closable, onClose }) => (
        <AntTag color="green" closable={closable} onClose={onClose} className="tag-picker-chip">
          {label}
        </AntTag>
      )}
    />
  );
}
