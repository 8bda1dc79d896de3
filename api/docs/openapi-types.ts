/** The parts of an OpenAPI 3.1 document the reference page reads (a loose view of the generated one). */

export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  allOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
}

export interface MediaTypes {
  [mediaType: string]: { schema?: SchemaObject; example?: unknown };
}

export interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
}

export interface OperationObject {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: { description?: string; required?: boolean; content?: MediaTypes };
  responses?: Record<string, { description?: string; content?: MediaTypes }>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  paths?: Record<string, Record<string, OperationObject>>;
  /** OpenAPI 3.1: the requests we make to others (our webhook events), keyed by event type. */
  webhooks?: Record<string, Record<string, OperationObject>>;
  components?: {
    schemas?: Record<string, SchemaObject>;
    securitySchemes?: Record<string, { type: string; scheme?: string; description?: string }>;
  };
}

export const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** `#/components/schemas/Mailbox` → `Mailbox`. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

export function resolveSchema(document: OpenApiDocument, schema: SchemaObject): SchemaObject {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    current = document.components?.schemas?.[refName(current.$ref)] ?? {};
  }
  return current;
}
