// Reads an iCalendar file on stdin; writes its events as ical.js (Mozilla's parser, the one
// Thunderbird uses) reads them: [{uid, start (UTC, ISO 8601), summary, description, status,
// sequence, url}]. Usage: node ical_oracle.js NODE_MODULES_DIR < calendar.ics
const path = require("path");
const ICAL = require(path.join(process.argv[2], "ical.js")).default;

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const calendar = new ICAL.Component(ICAL.parse(input));
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      summary: event.summary,
      description: event.description,
      status: vevent.getFirstPropertyValue("status"),
      sequence: event.sequence,
      url: vevent.getFirstPropertyValue("url"),
    };
  });
  process.stdout.write(JSON.stringify(events));
});
