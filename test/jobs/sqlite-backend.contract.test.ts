import { sqliteStore } from './helpers/backends.js';
import { defineRepositoryContract } from './helpers/repository-contract.js';

defineRepositoryContract(sqliteStore);
