import { missing } from "../does-not-exist.js";

missing();
