// The review dashboard: the progress table sorts by any column.
import { makeAllSortable } from "./sortable.js";

makeAllSortable();
