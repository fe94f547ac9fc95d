-- Tenancy: workspaces (one brand each) and the row-level-security wall every tenant table stands behind.
-- Tenant transactions run as siyu_app with siyu.workspace_id set (see src/platform/db); the owner bypasses RLS.
DO $$ BEGIN
  CREATE ROLE siyu_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA public TO siyu_app;

CREATE OR REPLACE FUNCTION siyu_current_workspace() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('siyu.workspace_id', true), '')::uuid $$;

-- Puts a table behind the wall: RLS on, one policy keyed on the transaction's workspace, rights for siyu_app.
CREATE OR REPLACE FUNCTION siyu_tenant_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (workspace_id = siyu_current_workspace()) '
                 'WITH CHECK (workspace_id = siyu_current_workspace())', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO siyu_app', tbl);
  GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO siyu_app;
END $$;

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL,
  timezone text NOT NULL DEFAULT 'Asia/Shanghai',
  locale text NOT NULL DEFAULT 'zh-CN',
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces USING (id = siyu_current_workspace());
GRANT SELECT ON workspaces TO siyu_app;
