// Reads a JSON array of texts on stdin; writes, for each, what the official Bluesky client
// library (npm's @atproto/api) says: [graphemeLength, facets], each facet as
// [byteStart, byteEnd, feature type, uri/tag/handle], from RichText.detectFacetsWithoutResolution.
// Usage: node richtext_oracle.js NODE_MODULES_DIR < texts.json
const { pathToFileURL } = require("url");

const FEATURE_VALUE = { link: "uri", tag: "tag", mention: "did" }; // an unresolved mention's did is its handle

function answer(RichText, text) {
  const rt = new RichText({ text });
  rt.detectFacetsWithoutResolution();
  const facets = (rt.facets || []).flatMap((facet) =>
    facet.features.map((feature) => {
      const type = feature.$type.split("#")[1];
      return [facet.index.byteStart, facet.index.byteEnd, type, feature[FEATURE_VALUE[type]]];
    }),
  );
  return [rt.graphemeLength, facets];
}

async function main() {
  const entry = require.resolve("@atproto/api", { paths: [process.argv[2]] });
  const { RichText } = await import(pathToFileURL(entry).href);
  let input = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) input += chunk;
  process.stdout.write(JSON.stringify(JSON.parse(input).map((text) => answer(RichText, text))));
}

main();
