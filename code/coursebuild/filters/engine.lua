--[[
engine.lua: what Quarto does natively that plain Pandoc does not (offline engine only).

- links to .qmd become links to .html (Quarto keeps URLs: a.qmd -> a.html);
- `fig-alt` on an image becomes its alt text (the caption stays the caption);
- .callout-* divs get Quarto's callout structure and title;
- .content-visible / .content-hidden are kept or dropped by when-/unless- format, profile and meta.
The classes and options accepted are checked before Pandoc runs (coursebuild/qmd.py).
]]

local profile = os.getenv("QUARTO_PROFILE") or ""
local meta = {}

local function format_matches(name)
  if name == "html" then return FORMAT:match("html") ~= nil or FORMAT == "revealjs" end
  if name == "revealjs" then return FORMAT == "revealjs" end
  if name == "pdf" or name == "typst" then return FORMAT == "typst" or FORMAT == "latex" end
  return FORMAT == name
end

local function profile_matches(name)
  for p in string.gmatch(profile, "[^,]+") do
    if p == name then return true end
  end
  return false
end

local function meta_true(key)
  -- a dotted key (notice.lecture.self-study) reads nested metadata, as Quarto's when-meta does;
  -- like Quarto, only a boolean true counts
  local value = meta
  for part in string.gmatch(key, "[^.]+") do
    if type(value) ~= "table" then return false end
    value = value[part]
  end
  return value == true
end

local function condition_holds(attrs)
  local checks = {
    ["when-format"] = function(v) return format_matches(v) end,
    ["unless-format"] = function(v) return not format_matches(v) end,
    ["when-profile"] = function(v) return profile_matches(v) end,
    ["unless-profile"] = function(v) return not profile_matches(v) end,
    ["when-meta"] = function(v) return meta_true(v) end,
    ["unless-meta"] = function(v) return not meta_true(v) end,
  }
  for key, check in pairs(checks) do
    local value = attrs[key]
    if value and not check(value) then return false end
  end
  return true
end

local callout_titles = {note = "Note", tip = "Tip", warning = "Warning", important = "Important",
  caution = "Caution"}

local function callout(div, kind)
  local title = div.attributes.title
  local content = div.content
  if not title and #content > 0 and content[1].t == "Header" then
    title = pandoc.utils.stringify(content[1].content)
    content = pandoc.Blocks({table.unpack(content, 2)})
  end
  title = title or callout_titles[kind]
  local header = pandoc.Div(pandoc.Blocks({pandoc.Plain(pandoc.Inlines(title))}), {class = "callout-title"})
  local body = pandoc.Div(content, {class = "callout-body"})
  local classes = {"callout", "callout-" .. kind}
  for _, c in ipairs(div.classes) do
    if not c:match("^callout%-") then table.insert(classes, c) end
  end
  return pandoc.Div(pandoc.Blocks({header, body}), {class = table.concat(classes, " ")})
end

local function fix_image(img)
  local alt = img.attributes["fig-alt"]
  if alt then
    img.attributes["fig-alt"] = nil
    img.caption = pandoc.Inlines(alt)
  end
  return img
end

return {
  {
    Meta = function(m) meta = m end,
  },
  {
    Div = function(div)
      if div.classes:includes("content-visible") then
        if condition_holds(div.attributes) then return div.content end
        return {}
      end
      if div.classes:includes("content-hidden") then
        if condition_holds(div.attributes) then return {} end
        return div.content
      end
      for _, c in ipairs(div.classes) do
        local kind = c:match("^callout%-(%a+)$")
        if kind and callout_titles[kind] then return callout(div, kind) end
      end
    end,
  },
  {
    Image = fix_image,
    Link = function(link)
      local target = link.target
      if not target:match("^%a+://") and not target:match("^mailto:") then
        link.target = target:gsub("%.qmd(#?)", ".html%1")
      end
      return link
    end,
  },
}
