// Reads a JSON array of [parser, text] pairs on stdin; writes, for each, the links, hashtags and
// mentions (and X's cashtags) that the official parser finds, as [kind, covered text, value].
//   "twitter-text": npm's twitter-text (X's official JavaScript), extractEntitiesWithIndices
//   "atproto":      npm's @atproto/api (the official Bluesky client), detectFacetsWithoutResolution
// Usage: node excerpt_entities_oracle.js NODE_MODULES_DIR < pairs.json
const path = require("path");
const { createRequire } = require("module");

const load = createRequire(path.resolve(process.argv[2], "oracle.js"));
const parsers = {
  "twitter-text": () => {
    const twitter = load("twitter-text");
    return (text) =>
      twitter.extractEntitiesWithIndices(text).map((entity) => {
        const kind = ["url", "hashtag", "screenName", "cashtag"].find((key) => key in entity);
        const value = kind === "screenName" ? entity.screenName + entity.listSlug : entity[kind];
        return [kind, text.slice(...entity.indices), value];
      });
  },
  atproto: () => {
    const { RichText } = load("@atproto/api");
    return (text) => {
      const rich = new RichText({ text });
      rich.detectFacetsWithoutResolution();
      const bytes = Buffer.from(text, "utf8");
      return (rich.facets || []).map(({ index, features: [feature] }) => [
        feature.$type.split("#")[1],
        bytes.subarray(index.byteStart, index.byteEnd).toString("utf8"),
        feature.uri ?? feature.tag ?? feature.did,
      ]);
    };
  },
};

const loaded = {};
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const answers = JSON.parse(input).map(([parser, text]) => {
    loaded[parser] ??= parsers[parser]();
    return loaded[parser](text);
  });
  process.stdout.write(JSON.stringify(answers));
});
