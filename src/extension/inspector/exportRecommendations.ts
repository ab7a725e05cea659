/** The inspector's "Export": the shown user's list or every test user's top k, as CSV through a save dialog. */
import * as vscode from 'vscode';
import type { UserSet } from '../../shared/inferenceResults';
import type { InspectorRequest, InspectorState, InspectorUpdate } from '../../shared/inspectorMessages';
import type { PanelHost } from '../panelHost/panelHost';
import type { InferenceSession } from './inferenceSession';

export async function exportRecommendations(
  host: PanelHost<InspectorRequest, InspectorUpdate>,
  inference: InferenceSession,
  runsDir: string,
  state: InspectorState,
  scope: 'user' | 'test',
): Promise<void> {
  const { user, k, runId } = state;
  if (scope === 'user' && (!user || !state.view)) {
    // After a reload the user is known before their view is back: not the same as no user at all.
    const why = !user
      ? 'Choose a user first.'
      : state.userError
        ? `User ${user} cannot be shown: ${state.userError}`
        : `User ${user} is still loading; export once their list is shown.`;
    void vscode.window.showWarningMessage(why);
    return;
  }
  const users: UserSet | string[] = scope === 'user' && user ? [user] : 'test';
  await host.exportFile(
    {
      title: scope === 'user' ? `Export the recommendations of user ${user}` : 'Export the recommendations of every test user',
      fileName: `${runId}-${scope === 'user' ? `user-${(user ?? '').replace(/[^\w.-]+/g, '_')}` : 'test-users'}-top${k}.csv`,
      extension: 'csv',
      fallbackFolder: runsDir,
    },
    async () => {
      const out = await inference.ask(runId, { type: 'export', users, k });
      return { text: out.csv, summary: `${out.rows} recommendations for ${out.users === 1 ? 'one user' : `${out.users} users`}` };
    },
  );
}
