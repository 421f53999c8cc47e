// Span content that breaks naive readers, shared by unit and integration tests.

/**
 * `gen_ai.input.messages` whose tool-call arguments are nested 20,000 deep (40 KB): JSON.parse
 * reads it, but turning the arguments back into text overflows the stack.
 */
export const DEEP_ARGUMENTS_MESSAGES = `[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]}]`;
