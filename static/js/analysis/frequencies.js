// The frequencies page: both tables sort by any column.
import { makeAllSortable } from "./sortable.js";

makeAllSortable();
