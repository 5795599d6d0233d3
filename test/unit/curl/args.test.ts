// curl's command line as `sesame curl` reads it (src/curl/args.ts).
import { expect, test } from "bun:test";
import { methodOf, parseCurlArgs } from "../../../src/curl/args.ts";
import { UsageError } from "../../../src/errors.ts";

const U = "https://abc.execute-api.eu-west-1.amazonaws.com/prod/x";

test("flags in curl's spellings: grouped short flags, attached values, --flag=value, repeated -H", () => {
  const a = parseCurlArgs(["dev", "-sSfiXpatch", "-HA: 1", "-H", "a:  2 ", "--header=B: x:y", "-m0.5", "--output=out.bin", "--region", "eu-west-2", "--service=execute-api", U]);
  expect(a).toMatchObject({ name: "dev", url: U, method: "PATCH", silent: true, fail: true, include: true, maxTime: 0.5, output: "out.bin", region: "eu-west-2", service: "execute-api" });
  expect(a.headers).toEqual([["A", "1"], ["a", "2"], ["B", "x:y"]]);
});

test("bodies: -d parts joined in order, @file for -d, --data-binary @- and @FILE streamed; the method follows", () => {
  const d = parseCurlArgs(["dev", "-d", "a=1", "--data", "@f.txt", "--data-raw", "@lit", U]);
  expect(d.body).toEqual({ kind: "text", parts: [{ value: "a=1", fromFile: false, stripNewlines: false }, { value: "f.txt", fromFile: true, stripNewlines: true }, { value: "@lit", fromFile: false, stripNewlines: false }] });
  expect(methodOf(d)).toBe("POST");
  expect(parseCurlArgs(["dev", "--data-binary", "@-", U]).body).toEqual({ kind: "stdin" });
  expect(parseCurlArgs(["dev", "--data-binary", "@big.bin", "-X", "PUT", U]).body).toEqual({ kind: "file", path: "big.bin" });
  expect(methodOf(parseCurlArgs(["dev", U]))).toBe("GET");
  expect(parseCurlArgs(["dev", "--presign", "--expires", "3600", U])).toMatchObject({ presign: true, expires: 3600 });
});

test("everything else is one usage error", () => {
  const bad = [
    [],
    ["dev"],
    ["dev", U, U],
    ["dev", "-L", U],
    ["dev", "--location", U],
    ["dev", "-X", U],
    ["dev", "-X", "GE T", U],
    ["dev", "-H", "no colon", U],
    ["dev", "-H", "Bad Name: v", U],
    ["dev", "-d", "@-", U],
    ["dev", "--data-binary", "@", U],
    ["dev", "--data-binary", "@-", "-d", "x", U],
    ["dev", "--max-time", "soon", U],
    ["dev", "--expires", "60", U],
    ["dev", "--presign", "--expires", "604801", U],
    ["dev", "--presign", "--expires", "1.5", U],
    ["dev", "--presign", "-d", "x", U],
    ["dev", "--presign", "-o", "f", U],
    ["dev", "--service", "Not A Service", U],
    ["dev", "--region", "mars", U],
  ];
  const accepted = bad.filter((words) => {
    try {
      parseCurlArgs(words);
      return true;
    } catch (e) {
      return !(e instanceof UsageError);
    }
  });
  expect(accepted).toEqual([]);
});
