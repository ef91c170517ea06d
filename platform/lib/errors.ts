// Errors that carry their HTTP status and a stable id; the API's one error
// handler turns them into `{ "id": ..., "message": ... }`.

export class OuroError extends Error {
  readonly status: number;
  readonly id: string;
  constructor(status: number, id: string, message: string) {
    super(message);
    this.name = "OuroError";
    this.status = status;
    this.id = id;
  }
}

export const notFound = (message: string) => new OuroError(404, "not_found", message);
export const invalidParams = (message: string) => new OuroError(422, "invalid_params", message);
export const conflict = (message: string) => new OuroError(409, "conflict", message);
export const unauthorized = (message: string) => new OuroError(401, "unauthorized", message);
export const forbidden = (message: string) => new OuroError(403, "forbidden", message);
