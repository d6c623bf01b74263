// The "From" field of the journey planner: suggestions from GET /api/stations?q=<text>.
// Written in a hurry for the spring campaign; the brief says what it should do instead.

const input = document.getElementById("station-input");
const list = document.getElementById("station-listbox");
const stationId = document.getElementById("station-id");

input.addEventListener("input", async () => {
  const text = input.value;
  if (!text) {
    list.innerHTML = "";
    list.hidden = true;
    return;
  }
  const response = await fetch("/api/stations?q=" + encodeURIComponent(text));
  const data = await response.json();
  list.innerHTML = "";
  for (const station of data.results) {
    const item = document.createElement("li");
    item.textContent = station.name;
    item.addEventListener("click", () => {
      input.value = station.name;
      stationId.value = station.id;
      list.hidden = true;
    });
    list.appendChild(item);
  }
  list.hidden = data.results.length === 0;
});
