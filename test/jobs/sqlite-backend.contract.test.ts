import { sqliteStore } from './helpers/backends.js';
import { defineAgendaBehaviour } from './helpers/agenda-contract.js';
import { defineRepositoryContract } from './helpers/repository-contract.js';

defineRepositoryContract(sqliteStore);
defineAgendaBehaviour(sqliteStore);
