/** The reference page's only styling: inline, so the page needs nothing from anywhere else. */
export const STYLES = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5f6b7a; --line: #dfe3ea; --bg: #fff; --code: #f3f5f8;
  --get: #1f7a45; --post: #1f5fbf; --patch: #9a6700; --delete: #b42318; --put: #7a3fb8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa4b2; --line: #2e3440; --bg: #14171c; --code: #1e232b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); display: flex; }
nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; width: 310px; flex: none; padding: 1rem; border-right: 1px solid var(--line); font-size: 13px; }
nav ul { list-style: none; margin: 0 0 .8rem; padding: 0; }
nav li a { display: block; padding: 2px 0; color: var(--fg); text-decoration: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav .brand { font-weight: 700; font-size: 15px; } nav .brand span { color: var(--muted); font-weight: 400; }
nav .tag { margin: .8rem 0 .2rem; font-weight: 600; text-transform: uppercase; font-size: 11px; letter-spacing: .05em; color: var(--muted); }
main { padding: 1.5rem 2.5rem; max-width: 980px; min-width: 0; }
h1 { margin-top: 0; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
article { padding: 1rem 0 1.5rem; border-bottom: 1px dashed var(--line); }
h3 { font-size: 17px; margin: .2rem 0; } h4 { margin: 1rem 0 .3rem; font-size: 13px; text-transform: uppercase; color: var(--muted); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); border-radius: 4px; }
code { padding: 1px 4px; } pre { padding: .8rem 1rem; overflow-x: auto; }
.method { display: inline-block; min-width: 3.6em; font: 700 11px/1.8 ui-monospace, monospace; text-align: center; color: #fff; border-radius: 3px; padding: 0 4px; }
.method.get { background: var(--get); } .method.post { background: var(--post); } .method.patch { background: var(--patch); }
.method.delete { background: var(--delete); } .method.put { background: var(--put); }
.summary { font-weight: 500; } .auth, .media, .where, .optional, .example { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; }
td { border-top: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; }
td p { margin: 0 0 .3rem; } td.type { font-family: ui-monospace, monospace; font-size: 12.5px; white-space: nowrap; }
td.status { font-weight: 700; width: 4em; } .s2 { color: var(--get); } .s4 { color: var(--delete); } .s5 { color: var(--delete); }
table.fields table.fields { margin-left: .5rem; width: calc(100% - .5rem); }
a { color: var(--post); }
@media (max-width: 800px) { body { display: block; } nav { position: static; height: auto; width: auto; border: 0; } main { padding: 1rem; } }
`;
