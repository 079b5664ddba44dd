import fc from "fast-check";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isInterfaceType,
  isUnionType,
  parse,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/graphql/schema.ts";
import { DEFAULT_MAX_COST, measureQueryCost } from "../../src/http/plugins/query-cost.ts";
import { DEFAULT_MAX_ALIASES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKENS } from "../../src/http/plugins/use-query-limits.ts";
import { startFaultServer } from "../helpers/fault-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

/** Fixed so a failure reproduces; override with FUZZ_SEED to explore. Printed on every run. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const RUNS = 150;
/** No request may take longer than this, whatever it asks. */
const PER_REQUEST_MS = 5_000;

type Gen = fc.GeneratorValue;

/** A literal for an argument of `type`: usually of the right type, sometimes deliberately wrong. */
function literal(g: Gen, type: GraphQLInputType, depth = 0): string {
  if (g(fc.nat, 19) === 0) {
    return g(
      fc.constantFrom,
      "null",
      "1",
      "-2147483649",
      "99999999999",
      "1.5",
      '"x"',
      "true",
      "[]",
      "{}",
      "FOO",
      '"\\u0000"',
      '""',
      `"${"a".repeat(500)}"`,
    );
  }
  if (isNonNullType(type)) return literal(g, type.ofType, depth);
  if (isListType(type)) return `[${Array.from({ length: g(fc.nat, 3) }, () => literal(g, type.ofType, depth + 1)).join(", ")}]`;
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    if (depth > 2) return "{}";
    const fields = Object.values(type.getFields()).filter(() => g(fc.boolean));
    return `{ ${fields.map((f) => `${f.name}: ${literal(g, f.type, depth + 1)}`).join(", ")} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
        return String(g(fc.integer, { min: -5, max: 500 }));
      case "Float":
        return String(g(fc.double, { noNaN: true, noDefaultInfinity: true }));
      case "Boolean":
        return String(g(fc.boolean));
      default:
        return JSON.stringify(
          g(() => fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("technology", "2026-11-02T10:00:00Z", "QXJ0aWNsZTox", ""))),
        );
    }
  }
  return "null";
}

/** A selection set on `type`, `depth` levels at most, with arguments as literals or variables. */
function selection(g: Gen, type: GraphQLOutputType, depth: number, variables: { defs: string[]; values: Record<string, unknown> }): string {
  const named = getNamedType(type);
  if (isUnionType(named) || isInterfaceType(named)) return "{ __typename }";
  if (!isObjectType(named)) return "";
  const fields = Object.values((named as GraphQLObjectType).getFields());
  // Indices, not the field objects: fc.gen compares its arguments deeply, and the schema is cyclic.
  const picked = g(
    fc.subarray,
    fields.map((_, i) => i),
    { minLength: 1, maxLength: Math.min(5, fields.length) },
  ).map((i) => fields[i]!);
  const parts = picked.map((field) => {
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) || g(fc.boolean))
      .map((arg) => {
        if (g(fc.nat, 7) === 0) {
          // As a variable: declared with the argument's type (or a wrong one), given a random JSON value.
          const name = `v${variables.defs.length}`;
          const declared = g(fc.nat, 4) === 0 ? g(fc.constantFrom, "Int", "String!", "[Boolean]", "Nope") : String(arg.type);
          variables.defs.push(`$${name}: ${declared}`);
          variables.values[name] = g(fc.jsonValue, { maxDepth: 2 });
          return `${arg.name}: $${name}`;
        }
        return `${arg.name}: ${literal(g, arg.type)}`;
      });
    const alias = g(fc.nat, 5) === 0 ? `a${g(fc.nat, 99)}: ` : "";
    const sub =
      isObjectType(getNamedType(field.type)) || isInterfaceType(getNamedType(field.type)) || isUnionType(getNamedType(field.type))
        ? depth > 0
          ? selection(g, field.type, depth - 1, variables)
          : "{ __typename }"
        : "";
    return `${alias}${field.name}${args.length ? `(${args.join(", ")})` : ""} ${sub}`;
  });
  return `{ ${parts.join(" ")} }`;
}

describe("hostile GraphQL", () => {
  let upstream: Awaited<ReturnType<typeof startFaultServer>>;
  let gateway: Awaited<ReturnType<typeof openGateway>>;

  /** Sends one request, bounded in time; returns status and parsed body (null if not JSON). */
  const send = async (body: string | Buffer, contentType = "application/json") => {
    const started = performance.now();
    const response = await gateway.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": contentType, accept: "application/graphql-response+json, application/json" },
      body: typeof body === "string" ? body : new Uint8Array(body),
      signal: AbortSignal.timeout(PER_REQUEST_MS),
    });
    const text = await response.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      // checked by the caller
    }
    return { status: response.status, json, ms: performance.now() - started };
  };
  /** The invariants every answer keeps: no 5xx, JSON, and every error coded. */
  const expectWellBehaved = (answer: Awaited<ReturnType<typeof send>>, what: string) => {
    expect(answer.status, what).toBeLessThan(500);
    expect(answer.json, what).not.toBeNull();
    for (const error of answer.json.errors ?? []) expect(error.extensions?.code, `${what}: ${error.message}`).toEqual(expect.any(String));
    expect(answer.ms, what).toBeLessThan(PER_REQUEST_MS);
  };

  beforeAll(async () => {
    upstream = await startFaultServer();
    gateway = await openGateway({
      sources: [
        { id: "a", name: "A", url: upstream.url("a"), section: "technology" },
        { id: "b", name: "B", url: upstream.url("b"), section: "science" },
      ],
    });
    await gateway.warmUp();
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it(`survives ${RUNS} random queries built from the schema (seed ${SEED})`, async () => {
    console.log(`hostile-graphql fuzz: seed ${SEED}, ${RUNS} runs (FUZZ_SEED=${SEED} reproduces)`);
    const outcomes = { data: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const variables = { defs: [] as string[], values: {} as Record<string, unknown> };
        const body = selection(g, schema.getQueryType()!, g(fc.integer, { min: 0, max: 6 }), variables);
        const query = `query Fuzz${variables.defs.length ? `(${variables.defs.join(", ")})` : ""} ${body}`;
        const answer = await send(JSON.stringify({ query, variables: variables.values }));
        expectWellBehaved(answer, query);
        if (answer.json.errors) outcomes.errors++;
        else {
          outcomes.data++;
          // An answered query was within every limit.
          const document = parse(query);
          expect(measureQueryCost(schema, document, { variables: variables.values }), query).toBeLessThanOrEqual(DEFAULT_MAX_COST);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`hostile-graphql fuzz: ${outcomes.data} answered with data, ${outcomes.errors} refused or failed with a coded error`);
    // The generator must reach both sides, or it tests nothing.
    expect(outcomes.data).toBeGreaterThanOrEqual(5);
    expect(outcomes.errors).toBeGreaterThan(10);
  }, 60_000);

  it("survives random bytes and random text as documents (seeded)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.constantFrom(
            "{",
            "}",
            "{ a { b { c",
            "query {",
            "fragment F on Q",
            "{ ...F }",
            "mutation { x }",
            "subscription { x }",
            "{ __schema { types { name } } }",
          ),
        ),
        async (query) => {
          expectWellBehaved(await send(JSON.stringify({ query })), query);
        },
      ),
      { seed: SEED, numRuns: 50 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expectWellBehaved(await send(Buffer.from(bytes)), `bytes ${Buffer.from(bytes).toString("hex")}`);
      }),
      { seed: SEED, numRuns: 30 },
    );
  }, 30_000);

  const hostile: [string, string | Buffer][] = [
    [
      "invalid UTF-8 in the body",
      Buffer.concat([Buffer.from('{"query":"{ sections { slug } }", "x":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]),
    ],
    [
      "invalid UTF-8 inside the query",
      Buffer.concat([Buffer.from('{"query":"{ sections { slug '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' } }"}')]),
    ],
    ["a lone surrogate escape", '{"query":"{ search(query: \\"\\ud800\\") { totalCount } }"}'],
    ["malformed JSON", '{"query": "{ sections { slug } }"'],
    ["a JSON array", "[1, 2, 3]"],
    ["a query that is a number", '{"query": 42}'],
    ["variables that are a string", '{"query": "{ sections { slug } }", "variables": "x"}'],
    ["an unknown operation name", '{"query": "{ sections { slug } }", "operationName": "Nope"}'],
    ["deep nesting", JSON.stringify({ query: `{ ${"sections { ".repeat(200)}slug${" }".repeat(200)} }` })],
    ["deep brackets", JSON.stringify({ query: "{".repeat(5000) })],
    ["a deep list literal", JSON.stringify({ query: `{ search(query: ${"[".repeat(3000)}"x"${"]".repeat(3000)}) { totalCount } }` })],
    ["an alias bomb", JSON.stringify({ query: `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: __typename`).join(" ")} }` })],
    ["a fragment cycle", JSON.stringify({ query: "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" })],
    [
      "a fragment bomb",
      JSON.stringify({
        query: `{ ...F9 } ${Array.from({ length: 10 }, (_, i) => (i === 0 ? "fragment F0 on Query { sections { slug } }" : `fragment F${i} on Query { x${i}a: sections { slug } ...F${i - 1} ...F${i - 1} }`)).join(" ")}`,
      }),
    ],
    ["a huge document", JSON.stringify({ query: `{ ${"__typename ".repeat(DEFAULT_MAX_TOKENS * 3)}}` })],
    ["a huge string argument", JSON.stringify({ query: `{ search(query: "${"x".repeat(90_000)}") { totalCount } }` })],
    [
      "many variables",
      JSON.stringify({ query: `query(${Array.from({ length: 3000 }, (_, i) => `$v${i}: Int`).join(", ")}) { __typename }` }),
    ],
  ];

  it.each(hostile)("answers %s with a coded 4xx or a coded error, quickly", async (_name, body) => {
    const answer = await send(body);
    expectWellBehaved(answer, _name);
    expect(answer.json.errors?.length ?? 0, _name).toBeGreaterThan(0);
  });

  it("answers a deep introspection query (the schema is finite) or refuses it with a code", async () => {
    const query = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }";
    expectWellBehaved(await send(JSON.stringify({ query })), "introspection depth");
  });

  it("keeps every limit constant the refusals name in force", () => {
    // Guards the hostile cases above: they only prove something while they exceed the limits.
    expect(DEFAULT_MAX_DEPTH).toBeLessThan(200);
    expect(DEFAULT_MAX_ALIASES).toBeLessThan(2000);
  });
});
