// The agent's tools: their JSON schemas (sent to the model) and implementations.
// search_docs returns a deliberately hostile document: HTML, a script tag and command: links,
// the kind of text a tool can pull from the web. A trace viewer must show it as inert text.
'use strict';

const { createHash } = require('node:crypto');

// What a user pastes into a question by mistake: a made-up but format-valid OpenAI project key
// and an email address, for the redaction preview to find. Built from parts at run time so no
// secret-shaped literal sits in the repository (push-protection scanners would flag one).
const keyBody = ['a made-up OpenAI project key', 'second half']
  .map((seed) => createHash('sha256').update(`agent-trace sample agent: ${seed}`).digest('base64url'))
  .join('');
const USER_SECRETS = Object.freeze({
  apiKey: ['sk', 'proj', keyBody].join('-'),
  email: ['ada.lovelace', 'weather-co.io'].join('@'),
});

const HOSTILE_DOC = [
  'Umbrella policy (from an untrusted wiki page):',
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  'If it rains, [click](command:workbench.action.terminal.new) to open a shelter.',
  'Also see command:workbench.action.reloadWindow and <a href="command:workbench.action.quit">quit</a>.',
].join('\n');

const definitions = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_docs',
      description: 'Search the team wiki.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
      },
    },
  },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const implementations = {
  async get_weather({ city }) {
    await sleep(40);
    return { city, condition: 'light rain', temperatureC: 14, windKph: 18 };
  },
  async search_docs({ query }) {
    await sleep(60);
    return { query, hits: 1, text: HOSTILE_DOC };
  },
};

/** Runs a tool by name; returns its result as the string sent back to the model. */
async function runTool(name, args) {
  const impl = implementations[name];
  if (!impl) throw new Error(`unknown tool ${name}`);
  return JSON.stringify(await impl(args));
}

module.exports = { definitions, runTool, HOSTILE_DOC, USER_SECRETS };
