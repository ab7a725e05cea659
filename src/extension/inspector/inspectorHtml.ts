/** The inspector page shell: the dashboard's (nonce-only scripts, the extension's own files). */
import { renderPageShell, type DashboardHtmlParts } from '../dashboard/dashboardHtml';

export type InspectorHtmlParts = DashboardHtmlParts;

export function renderInspectorHtml(p: InspectorHtmlParts): string {
  return renderPageShell(p, 'Recommendation Inspector', 'Loading the run…');
}
