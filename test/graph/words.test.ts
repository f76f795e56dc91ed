import { describe, expect, it } from "vitest";
import { splitIdentifierWords } from "../../src/graph/store.js";

describe("splitIdentifierWords (extra words for the full-text index)", () => {
  it("splits camelCase and acronyms; leaves identifiers that cannot split out", () => {
    expect(splitIdentifierWords("getHTTPResponse_code")).toBe("get http response");
    expect(splitIdentifierWords("plain words only, snake_case too")).toBe("");
  });

  it("takes whole identifiers only: digits inside, not capitals after a digit that starts nothing", () => {
    expect(splitIdentifierWords("x9Yz abc9dEf 9Abc éfooBar")).toBe("x9 yz abc9d ef foo bar");
  });
});
