// Prints the URLs the official imgproxy Node client generates, as JSON {name: url}.
// Reads {cases: [{name, kind: "image" | "info", ...arguments of generateImageUrl}]} on stdin.
"use strict";

const fs = require("fs");
const { generateImageUrl, generateImageInfoUrl } = require("@imgproxy/imgproxy-node");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const urls = {};
for (const { name, kind, ...args } of request.cases) {
  urls[name] = kind === "info" ? generateImageInfoUrl(args) : generateImageUrl(args);
}
process.stdout.write(JSON.stringify(urls));
