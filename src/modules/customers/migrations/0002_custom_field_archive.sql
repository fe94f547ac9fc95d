-- Custom fields are archived rather than deleted: customers keep the values they have, new values are refused,
-- and the field leaves forms and pickers until it is restored.
ALTER TABLE custom_fields ADD COLUMN archived_at timestamptz;
