// Reads a JSON array of texts on stdin; writes, for each, what the official twitter-text
// (npm's twitter-text, the JavaScript implementation) says: [weightedLength, valid].
// Usage: node twitter_text_oracle.js NODE_MODULES_DIR < texts.json
const path = require("path");
const twitter = require(path.join(process.argv[2], "twitter-text"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const answers = JSON.parse(input).map((text) => {
    const parsed = twitter.parseTweet(text);
    return [parsed.weightedLength, parsed.valid];
  });
  process.stdout.write(JSON.stringify(answers));
});
