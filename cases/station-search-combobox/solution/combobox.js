// The "From" field of the journey planner: an ARIA 1.2 combobox with a listbox popup (the WAI-ARIA
// "list autocomplete with manual selection" pattern) over GET /api/stations?q=<text>.
// Focus never leaves the input: the active option is announced through aria-activedescendant.

const MIN_CHARS = 2;
const DEBOUNCE_MS = 250;

const picker = document.getElementById("station-picker");
const input = document.getElementById("station-input");
const list = document.getElementById("station-listbox");
const status = document.getElementById("station-status");
const stationId = document.getElementById("station-id");

let stations = []; // what the list shows
let active = -1; // index of the active option, -1 for none
let picked = null; // the station last picked, restored by Escape
let timer = null;
let controller = null;
let latest = 0; // number of the latest search: older answers are dropped

function setState(state, message) {
  picker.dataset.state = state;
  status.textContent = message;
}

function isOpen() {
  return input.getAttribute("aria-expanded") === "true";
}

function open() {
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

function close() {
  setActive(-1);
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
}

function setActive(index) {
  active = index;
  for (const [i, option] of [...list.children].entries()) {
    option.setAttribute("aria-selected", String(i === index));
  }
  if (index < 0) {
    input.removeAttribute("aria-activedescendant");
    return;
  }
  const option = list.children[index];
  input.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
}

function render(results) {
  stations = results;
  active = -1;
  list.replaceChildren(...results.map((station, i) => {
    const option = document.createElement("li");
    option.id = `station-option-${i}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.dataset.stationId = station.id;
    const name = document.createElement("span");
    name.textContent = station.name;
    const municipality = document.createElement("span");
    municipality.className = "municipality";
    municipality.textContent = station.municipality;
    option.append(name, " ", municipality);
    return option;
  }));
}

function cancelSearch() {
  clearTimeout(timer);
  if (controller) controller.abort();
  controller = null;
  latest += 1;
}

function pick(index) {
  picked = stations[index];
  input.value = picked.name;
  stationId.value = picked.id;
  cancelSearch();
  close();
  setState("idle", `${picked.name} selected.`);
}

function restore() {
  cancelSearch();
  input.value = picked ? picked.name : "";
  stationId.value = picked ? picked.id : "";
  render([]);
  close();
  setState("idle", "");
}

async function search(query) {
  cancelSearch();
  const mine = latest;
  controller = new AbortController();
  setState("loading", "Searching…");
  let results;
  try {
    const response = await fetch(`/api/stations?q=${encodeURIComponent(query)}`, { signal: controller.signal });
    if (!response.ok) throw new Error(`station search answered ${response.status}`);
    results = (await response.json()).results;
  } catch (error) {
    if (mine !== latest) return; // aborted or overtaken: a newer search owns the picker
    render([]);
    close();
    setState("error", "Station search isn't working right now. Keep typing to try again.");
    return;
  }
  if (mine !== latest) return;
  render(results);
  if (results.length === 0) {
    close();
    setState("empty", `No stations match “${query}”.`);
    return;
  }
  open();
  const count = results.length === 1 ? "1 station" : `${results.length} stations`;
  setState("results", `${count} found. Use the up and down arrow keys to choose.`);
}

input.addEventListener("input", () => {
  stationId.value = ""; // the text no longer names the picked station
  const query = input.value.trim();
  cancelSearch();
  if (query.length < MIN_CHARS) {
    render([]);
    close();
    setState("idle", "");
    return;
  }
  timer = setTimeout(() => search(query), DEBOUNCE_MS);
});

input.addEventListener("keydown", (event) => {
  const count = stations.length;
  switch (event.key) {
    case "ArrowDown":
    case "ArrowUp":
      if (!count) return;
      event.preventDefault();
      open();
      if (event.key === "ArrowDown") setActive(active + 1 >= count ? 0 : active + 1);
      else setActive(active <= 0 ? count - 1 : active - 1);
      break;
    case "Enter":
      if (isOpen() && active >= 0) {
        event.preventDefault(); // pick the station, don't submit the search yet
        pick(active);
      }
      break;
    case "Escape":
      event.preventDefault();
      if (isOpen()) close();
      else restore();
      break;
    case "Tab":
      close();
      break;
    default:
  }
});

input.addEventListener("blur", close);

// Keep focus in the input when an option is pressed, so the click can pick it.
list.addEventListener("mousedown", (event) => event.preventDefault());
list.addEventListener("click", (event) => {
  const option = event.target.closest("[role=option]");
  if (option) pick([...list.children].indexOf(option));
});
