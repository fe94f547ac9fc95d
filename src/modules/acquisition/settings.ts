// The workspace's acquisition settings: the default welcome message for adds through no code of Siyu's (a guide's
// personal QR code, a contact card, a paused code), off until an operator writes and enables one.
import { setMediaUses } from '../../connectors/wecom/index.ts';
import type { AcquisitionSettings, AcquisitionSettingsBody, WelcomeMessage } from '../../contracts/acquisition.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest } from '../../platform/errors.ts';
import { workspaceInfo } from './shared.ts';
import { assetIdsOf, checkWelcome } from './welcome.ts';

export async function loadSettings(tx: Tx, workspaceId: string): Promise<AcquisitionSettings> {
  const rows = await tx.query<{
    default_welcome_enabled: boolean;
    default_welcome: WelcomeMessage | null;
    updated_at: Date;
  }>('SELECT default_welcome_enabled, default_welcome, updated_at FROM acquisition_settings WHERE workspace_id = $1', [
    workspaceId,
  ]);
  const { timezone } = await workspaceInfo(tx, workspaceId);
  const row = rows[0];
  return {
    defaultWelcomeEnabled: row?.default_welcome_enabled ?? false,
    defaultWelcome: row?.default_welcome ?? null,
    timezone,
    updatedAt: row?.updated_at.toISOString() ?? null,
  };
}

export async function saveSettings(
  tx: Tx,
  workspaceId: string,
  body: AcquisitionSettingsBody,
  now: Date,
): Promise<AcquisitionSettings> {
  const current = await loadSettings(tx, workspaceId);
  const message = body.defaultWelcome === undefined ? current.defaultWelcome : body.defaultWelcome;
  const enabled = body.defaultWelcomeEnabled ?? current.defaultWelcomeEnabled;
  if (message) checkWelcome(message);
  if (enabled && !message) throw badRequest('acquisition.default_welcome_missing');
  await tx.query(
    `INSERT INTO acquisition_settings (workspace_id, default_welcome_enabled, default_welcome, updated_at)
     VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (workspace_id) DO UPDATE
       SET default_welcome_enabled = EXCLUDED.default_welcome_enabled, default_welcome = EXCLUDED.default_welcome,
           updated_at = EXCLUDED.updated_at`,
    [workspaceId, enabled, message ? JSON.stringify(message) : null, now],
  );
  await setMediaUses(tx, workspaceId, 'acquisition.default_welcome', workspaceId, assetIdsOf(message));
  return loadSettings(tx, workspaceId);
}
