cwlVersion: v1.2
class: CommandLineTool
baseCommand: [python, -m, downscale]
inputs:
  date: {type: string, inputBinding: {prefix: --date}}
outputs:
  t2m: {type: File, outputBinding: {glob: "*.tif"}}
