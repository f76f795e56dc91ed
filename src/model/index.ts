export type {
  AssistantMessage,
  Message,
  Model,
  ModelRequest,
  ModelResponse,
  ToolCall,
  ToolResult,
  ToolSpec,
  Usage,
  UserMessage,
} from "./types.js";
export { emptyUsage } from "./types.js";
