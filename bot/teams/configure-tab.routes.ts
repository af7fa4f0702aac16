import { readFileSync } from 'node:fs';
import type { Request, Response, Server } from 'restify';

/** Where the manifest's configurable (team) tab points; the tab may take this page over later. */
export const CONFIGURE_TAB_PATH = '/teams/configure';
const TEAMS_JS_PATH = '/teams/teams-js.min.js';

/**
 * Teams shows this page when someone adds the app as a tab in a team channel. It only has to tell
 * Teams what the tab shows (the department list at the site root, which finds the viewer's
 * department itself), so it is a small static page rather than part of the React tab.
 */
const CONFIGURE_PAGE = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Add Engagement Monitor to this team</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 1.5rem; line-height: 1.5; color: #242424; background: transparent; }
  @media (prefers-color-scheme: dark) { body { color: #ffffff; } }
  h1 { font-size: 1.25rem; font-weight: 600; margin: 0 0 0.75rem; }
  p { margin: 0 0 0.75rem; max-width: 40rem; }
</style>
</head>
<body>
<h1>Engagement Monitor</h1>
<p>This tab shows the students in your department who may need a check-in, so that someone can get in touch and offer support.</p>
<p>Each person sees only what their role allows: personal tutors see their own tutees, and department staff see their department. Anyone else sees no student information.</p>
<p id="status" role="status">Select <strong>Save</strong> to add the tab.</p>
<script src="${TEAMS_JS_PATH}"></script>
<script>
  (function () {
    var status = document.getElementById('status');
    var teams = window.microsoftTeams;
    if (!teams) { status.textContent = 'This page could not load the Teams library. Please try again in a moment.'; return; }
    teams.app.initialize().then(function () {
      teams.pages.config.registerOnSaveHandler(function (saveEvent) {
        var root = window.location.origin + '/';
        teams.pages.config
          .setConfig({ entityId: 'department', contentUrl: root, websiteUrl: root, suggestedDisplayName: 'Engagement Monitor' })
          .then(function () { saveEvent.notifySuccess(); })
          .catch(function () { saveEvent.notifyFailure('The tab could not be saved. Please try again.'); });
      });
      teams.pages.config.setValidityState(true);
    }).catch(function () {
      status.textContent = 'Open this page from Microsoft Teams to add the tab to a team.';
    });
  })();
</script>
</body>
</html>
`;

export function registerConfigureTabRoutes(server: Server): void {
  // Loaded once at start-up; teams-js is a runtime dependency, and its UMD build sets window.microsoftTeams.
  const teamsJs = readFileSync(require.resolve('@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js'));

  server.get(CONFIGURE_TAB_PATH, async (_req: Request, res: Response) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(CONFIGURE_PAGE);
  });
  server.get(TEAMS_JS_PATH, async (_req: Request, res: Response) => {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
    res.end(teamsJs);
  });
}
