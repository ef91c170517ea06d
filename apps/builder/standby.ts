// A standby build dyno (platform/builds/build-dynos.ts): started before its build, with the
// builder's modules loaded and the app's build cache mounted, it asks the API which build took it
// and gets that build's id and credential, then builds as any build dyno does.
import { type StandbyAssignment, StandbyAssignmentSchema } from "../../platform/lib/build-contract.ts";

/** How long to wait before asking again after the API could not be reached or failed. */
const RETRY_MS = 1000;

/**
 * The build that took this standby dyno, once one has; undefined when the dyno was closed before
 * (no build came in time). A credential refused is an error: nothing will ever come.
 */
export async function awaitBuild(options: {
  apiUrl: string;
  runId: string;
  token: string;
  log: (line: string) => void;
  /** Gives up waiting (undefined). */
  signal?: AbortSignal;
}): Promise<StandbyAssignment | undefined> {
  const url = `${options.apiUrl.replace(/\/+$/, "")}/internal/standbys/${options.runId}/build`;
  for (;;) {
    if (options.signal?.aborted) return undefined;
    const response = await fetch(url, { headers: { authorization: `Bearer ${options.token}` }, signal: options.signal }).catch((error: Error) => error);
    if (options.signal?.aborted) return undefined;
    if (!(response instanceof Response) || response.status >= 500) {
      options.log(`standby: the API did not answer (${response instanceof Response ? response.status : response.message}); asking again`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    if (response.status === 200) return StandbyAssignmentSchema.parse(await response.json());
    if (response.status === 204) continue; // nothing yet: ask again
    if (response.status === 410) return undefined;
    throw new Error(`GET ${url} answered ${response.status} ${await response.text().catch(() => "")}`.trim());
  }
}
