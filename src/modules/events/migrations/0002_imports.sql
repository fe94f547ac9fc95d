-- Imports from the console and the API, run as background jobs (import-jobs.ts): the import with its progress and
-- report, the uploaded file until it has been read, its rows in chunks until each is written, and the bad rows.
CREATE TABLE imports (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('customers', 'orders')),
  filename text NOT NULL,
  size_bytes int NOT NULL,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  -- Known once the file has been read: the header every chunk is checked against, and how the rows were split.
  header text[],
  ignored_columns text[] NOT NULL DEFAULT '{}',
  total_rows int,
  chunks int NOT NULL DEFAULT 0,
  done_rows int NOT NULL DEFAULT 0,
  imported int NOT NULL DEFAULT 0,
  failed int NOT NULL DEFAULT 0,
  -- Why the import as a whole failed; translated when read, in the reader's language.
  error_code text,
  error_params jsonb,
  created_by text NOT NULL,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX imports_recent ON imports (workspace_id, created_at DESC, id DESC);
SELECT siyu_tenant_table('imports');

-- The upload as sent, deleted once the prepare job has split it into chunks. Base64 text rather than bytea: PGlite
-- passes a bytea parameter as hex built byte by byte in JavaScript (a 50 MB file took 20 s), text as it is (1.5 s).
-- Stored uncompressed: it lives for seconds, and compressing 50 MB in WebAssembly is not free either.
CREATE TABLE import_files (
  workspace_id uuid NOT NULL,
  import_id uuid NOT NULL,
  data_base64 text NOT NULL,
  PRIMARY KEY (workspace_id, import_id),
  FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);
ALTER TABLE import_files ALTER COLUMN data_base64 SET STORAGE EXTERNAL;
SELECT siyu_tenant_table('import_files');

-- Rows waiting to be written, as [[line, cell, cell, …], …]; a chunk's job deletes its row in the transaction that
-- writes it, so a job run twice finds nothing left to write.
CREATE TABLE import_chunks (
  workspace_id uuid NOT NULL,
  import_id uuid NOT NULL,
  seq int NOT NULL,
  rows json NOT NULL,
  PRIMARY KEY (workspace_id, import_id, seq),
  FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('import_chunks');

-- The report's bad rows, one reason per line (an order's reason stands on each of its lines).
CREATE TABLE import_errors (
  workspace_id uuid NOT NULL,
  import_id uuid NOT NULL,
  line int NOT NULL,
  code text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, import_id, line),
  FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('import_errors');
