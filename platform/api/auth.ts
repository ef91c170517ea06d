// Bearer API keys, or HTTP Basic with the key as password (what git sends).
import type { NextFunction, Request, Response } from "express";
import { type Db, type User, findUserByKey } from "../db/index.ts";
import { unauthorized } from "../lib/errors.ts";

declare module "express-serve-static-core" {
  interface Request {
    user?: User;
  }
}

export function credentialFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === "bearer") return value.trim();
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return undefined;
}

export function requireUser(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = credentialFrom(req.headers.authorization);
    const user = key ? await findUserByKey(db, key) : undefined;
    if (!user) {
      res.setHeader("WWW-Authenticate", 'Basic realm="Ouro"');
      throw unauthorized(
        key ? "Invalid credentials provided." : "No credentials provided: send `Authorization: Bearer <API key>` (ouro auth:token prints it).",
      );
    }
    req.user = user;
    next();
  };
}
