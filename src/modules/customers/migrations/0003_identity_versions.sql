-- A counter per workspace that moves whenever an identity stops pointing where it pointed: an identity moved to
-- another customer (merge, unmerge) or deleted, a customer merged away, unmerged or deleted. Ingestion caches
-- identity → customer in each process and trusts the cache only while this counter is what it was when the cache
-- was filled (customers/resolution.ts). New identities never move it: a cache holds only identities it has read.
CREATE TABLE customer_identity_versions (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  version bigint NOT NULL DEFAULT 0
);
SELECT siyu_tenant_table('customer_identity_versions');

-- Statement-level where a statement can touch many rows (an erasure, a workspace deleted with everything in it);
-- the workspace row is checked so that a cascade from a deleted workspace does not write for it.
CREATE FUNCTION customer_identity_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_identity_versions AS v (workspace_id, version)
  SELECT DISTINCT c.workspace_id, 1 FROM changed c WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = c.workspace_id)
  ON CONFLICT (workspace_id) DO UPDATE SET version = v.version + 1;
  RETURN NULL;
END $$;

CREATE FUNCTION customer_identity_moved_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_identity_versions AS v (workspace_id, version) VALUES (OLD.workspace_id, 1)
  ON CONFLICT (workspace_id) DO UPDATE SET version = v.version + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER customer_identities_moved AFTER UPDATE ON customer_identities
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION customer_identity_moved();
CREATE TRIGGER customer_identities_deleted AFTER DELETE ON customer_identities
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION customer_identity_moved();
CREATE TRIGGER customers_deleted AFTER DELETE ON customers
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION customer_identity_moved();
-- Row-level with a condition: customers are updated all the time (profiles, first and last seen), merged rarely.
CREATE TRIGGER customers_merged AFTER UPDATE OF merged_into ON customers
  FOR EACH ROW WHEN (OLD.merged_into IS DISTINCT FROM NEW.merged_into) EXECUTE FUNCTION customer_identity_moved_row();
