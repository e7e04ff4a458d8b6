// Prints the paths `@imgproxy/imgproxy-js-core` writes, as JSON
// {info_prefix, paths: {name: path}}; the library does not sign, so the caller does.
// Reads {cases: [{name, kind: "image" | "info", url: {value, type, filename?}, options, settings?}]}
// on stdin: `options` is what a user passes to generateUrl / generateImageInfoUrl.
import { readFileSync } from "node:fs";
import { INFO_PREFIX, generateImageInfoUrl, generateUrl } from "@imgproxy/imgproxy-js-core";

const request = JSON.parse(readFileSync(0, "utf8"));
const paths = {};
for (const { name, kind, url, options, settings } of request.cases) {
  const generate = kind === "info" ? generateImageInfoUrl : generateUrl;
  try {
    paths[name] = generate(url, options, settings);
  } catch (error) {
    throw new Error(`${name}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify({ info_prefix: INFO_PREFIX, paths }));
