// What every answer of the Platform API carries, as Heroku's does: a `Request-Id` of its own (the
// official CLI keeps and resends it), and a refusal of any API version but 3 that a client asks for
// in `Accept` (`version=3`, `3.sdk`, `3.run-inside` and the like are all version 3).
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { OuroError } from "../lib/errors.ts";

const VERSION = /application\/vnd\.heroku\+json\s*;\s*version=([^,;\s]+)/i;

export function platformProtocol(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Request-Id", randomUUID());
  const version = VERSION.exec(req.headers.accept ?? "")?.[1];
  if (version !== undefined && !/^3(\.|$)/.test(version)) {
    throw new OuroError(406, "not_acceptable", `Ouro speaks version 3 of the Platform API (Accept: application/vnd.heroku+json; version=3), not version ${version}.`);
  }
  next();
}
