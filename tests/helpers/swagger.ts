/**
 * moby's swagger.yaml (API v1.41, from Debian's golang-github-docker-docker-dev, unpacked by
 * scripts/setup.sh into toolchain/deb/) as a checker of berth's API responses: a response body is held
 * against the schema the document gives for that path, method and status.
 *
 * The checks are those of Swagger 2.0's schema objects that Docker's document uses: type, enum, required,
 * properties, additionalProperties, items, allOf, $ref and x-nullable. Properties the document does not
 * name are allowed (the document is not complete; Docker's own daemon sends more), a null where the
 * document does not allow one is not.
 */
import { parse } from "yaml"; // npm:yaml, pinned in deno.json

export const SWAGGER_PATH = new URL("../../toolchain/deb/golang-github-docker-docker-dev/usr/share/gocode/src/github.com/docker/docker/api/swagger.yaml", import.meta.url).pathname;

export type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  allOf?: Schema[];
  "x-nullable"?: boolean;
};

interface Doc {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, { responses: Record<string, { schema?: Schema }> }>>;
}

let doc: Doc | undefined;

export function swaggerAvailable(): boolean {
  try {
    return Deno.statSync(SWAGGER_PATH).isFile;
  } catch {
    return false;
  }
}

/**
 * The document's text, with the continuation lines of a double-quoted string indented past their key:
 * Go's YAML reader takes them at the key's own indentation (v1.41's SecurityOpt description has one),
 * the YAML spec and npm's yaml do not.
 */
function indentContinuations(text: string): string {
  let open = false;
  return text.split("\n").map((line) => {
    const out = open ? `  ${line}` : line;
    const odd = (line.replace(/\\./g, "").match(/"/g) ?? []).length % 2 === 1;
    // a string opens only as a key's value (quotes elsewhere, in examples, are text)
    if (open ? odd : odd && /^\s*[\w-]+: "/.test(line)) open = !open;
    return out;
  }).join("\n");
}

function load(): Doc {
  return (doc ??= parse(indentContinuations(Deno.readTextFileSync(SWAGGER_PATH))) as Doc);
}

/** The schema of the response; throws when the document has no such path, method or status. */
export function responseSchema(method: string, path: string, status: number): Schema | undefined {
  const op = load().paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`swagger: no ${method} ${path}`);
  const r = op.responses[String(status)];
  if (!r) throw new Error(`swagger: ${method} ${path} has no ${status} response (it has ${Object.keys(op.responses).join(", ")})`);
  return r.schema;
}

function resolve(s: Schema): Schema {
  while (s.$ref) {
    const name = s.$ref.replace("#/definitions/", "");
    const def = load().definitions[name];
    if (!def) throw new Error(`swagger: no definition ${name}`);
    s = { ...def, "x-nullable": s["x-nullable"] ?? def["x-nullable"] };
  }
  return s;
}

/** The ways `value` differs from `schema`, each as "at PATH: what" (empty: it conforms). */
export function schemaErrors(schema: Schema, value: unknown, at = "$"): string[] {
  const s = resolve(schema);
  if (s.allOf) return s.allOf.flatMap((part) => schemaErrors({ ...part, "x-nullable": s["x-nullable"] }, value, at));
  if (value === null) return s["x-nullable"] ? [] : [`at ${at}: null where ${s.type ?? "a value"} is expected`];
  const errors: string[] = [];
  const kind = Array.isArray(value) ? "array" : typeof value;
  switch (s.type) {
    case "integer":
      if (!Number.isInteger(value)) errors.push(`at ${at}: ${JSON.stringify(value)} is not an integer`);
      break;
    case "number":
      if (typeof value !== "number") errors.push(`at ${at}: ${JSON.stringify(value)} is not a number`);
      break;
    case "string":
    case "boolean":
      if (kind !== s.type) errors.push(`at ${at}: ${JSON.stringify(value)} is not a ${s.type}`);
      break;
    case "array":
      if (!Array.isArray(value)) errors.push(`at ${at}: ${kind} where an array is expected`);
      else if (s.items) value.forEach((v, i) => errors.push(...schemaErrors(s.items!, v, `${at}[${i}]`)));
      break;
    case "object":
    case undefined:
      if (s.type === "object" && (kind !== "object" || Array.isArray(value))) {
        errors.push(`at ${at}: ${kind} where an object is expected`);
        break;
      }
      if (kind !== "object") break;
      for (const r of s.required ?? []) if (!(r in (value as object))) errors.push(`at ${at}: ${r} is missing`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const p = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
        if (p) errors.push(...schemaErrors(p, v, `${at}.${k}`));
      }
  }
  // (by value: an enum may list objects, such as ExposedPorts' [{}])
  if (s.enum && !errors.length && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`at ${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  return errors;
}
