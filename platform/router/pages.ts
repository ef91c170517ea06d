// The router's own answers, as small HTML pages.
export function page(status: number, title: string, detail: string): { status: number; body: string } {
  return {
    status,
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:4em auto;max-width:40em"><h1>${title}</h1><p>${detail}</p><hr><small>Ouro router</small></body></html>\n`,
  };
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export const noSuchApp = (host: string) =>
  page(404, "No such app", `There is no app at <code>${escape(host)}</code>. Check the name with <code>ouro apps</code>.`);

export const noWebDynos = (app: string) =>
  page(503, "Application unavailable", `<code>${escape(app)}</code> has no web dyno up right now. Try <code>ouro ps -a ${escape(app)}</code>.`);

export const badGateway = (app: string) =>
  page(502, "Bad gateway", `The web dynos of <code>${escape(app)}</code> did not answer.`);
