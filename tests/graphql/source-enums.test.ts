import { GraphQLEnumType, getNamedType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/graphql/schema.ts";

describe("a source's status speaks in enums", () => {
  const status = schema.getType("SourceStatus");
  if (!isObjectType(status)) throw new Error("SourceStatus is not an object type");

  it("errorCode is SourceErrorCode, every value described", () => {
    const type = getNamedType(status.getFields().errorCode!.type);
    expect(type).toBeInstanceOf(GraphQLEnumType);
    const values = (type as GraphQLEnumType).getValues();
    expect(values.map((v) => v.name)).toEqual(
      expect.arrayContaining([
        "TIMEOUT",
        "TOO_LARGE",
        "HTTP_STATUS",
        "TOO_MANY_REDIRECTS",
        "INSECURE_REDIRECT",
        "PRIVATE_ADDRESS",
        "NETWORK",
        "NOT_FOUND",
        "FORBIDDEN_PATH",
        "PARSE_ERROR",
        "UNSUPPORTED_FORMAT",
      ]),
    );
    expect(values.filter((v) => !v.description).map((v) => v.name)).toEqual([]);
  });

  it("format is SourceFormat, serialized from the detected format", () => {
    const type = getNamedType(status.getFields().format!.type) as GraphQLEnumType;
    expect(type).toBeInstanceOf(GraphQLEnumType);
    expect(["rss", "atom", "rdf", "jsonfeed", "json"].map((format) => type.serialize(format))).toEqual([
      "RSS",
      "ATOM",
      "RDF",
      "JSONFEED",
      "JSON",
    ]);
  });
});
